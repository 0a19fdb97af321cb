insert into orders values (1, 5), (2, 50);
