insert into t values (1, 5, 3), (2, null, null);
