insert into pay (paid, amount) values ('2024-03-01', 1), ('2026-01-01', 2);
