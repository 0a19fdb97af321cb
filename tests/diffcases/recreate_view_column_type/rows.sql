insert into t values (1, 5), (2, 50);
