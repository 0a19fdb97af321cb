insert into things (id, n) values (1, 2);
