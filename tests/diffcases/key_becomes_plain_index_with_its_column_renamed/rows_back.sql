insert into b values (1, 1), (2, 1);
