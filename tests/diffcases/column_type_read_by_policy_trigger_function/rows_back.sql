insert into t values (1, 1, 5), (2, 2, 7);
