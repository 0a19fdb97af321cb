insert into t values (1, 5, row(1, 2)::dims), (2, 7, null);
