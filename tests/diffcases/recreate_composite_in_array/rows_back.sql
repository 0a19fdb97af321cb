insert into t values (1, array[row(1, 'x')::pair, row(2, 'y')::pair], row(3, 'z')), (2, null, null);
