insert into pay values (1, 2.5, '2024-05-01'), (2, 3, '2025-05-01');
