insert into p1 values (1,'2024-02-01');
