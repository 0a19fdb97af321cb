insert into pay values (1, 2, '2024-05-01');
insert into pay_2 values (2, 3, '2025-05-01');
