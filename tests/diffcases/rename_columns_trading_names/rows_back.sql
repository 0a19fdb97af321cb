insert into t values (1, 1, '2', 2, 3), (2, 5, '7', 6, 7);
