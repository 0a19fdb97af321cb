insert into t values (1, row(1, 2), row(3, 4), row(5, 6)), (2, null, row(7, 8), null);
