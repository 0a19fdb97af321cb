insert into t (id, lo, hi, a, b) values (1, 1, 5, 1, 2), (2, 3, 3, 4, 9);
