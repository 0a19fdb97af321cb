insert into pay values (1, 2, '2024-05-01');
