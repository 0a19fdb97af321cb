insert into t values (1, row(1, 2, 'a'), row(3, 4, 'b'), row(5, 6, null)), (2, null, row(7, 8, null), null);
