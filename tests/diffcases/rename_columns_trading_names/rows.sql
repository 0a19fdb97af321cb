insert into t values (1, 1, 'a', 2, 3), (2, 5, '', 6, 7);
