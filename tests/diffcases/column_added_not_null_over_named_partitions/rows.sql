insert into pay values (1, '2024-05-01'), (2, '2025-05-01');
