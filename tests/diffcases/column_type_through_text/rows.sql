insert into t values (1, null, 1), (2, null, 3);
