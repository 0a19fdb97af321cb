insert into b values (1,'2024-02-01','x');
