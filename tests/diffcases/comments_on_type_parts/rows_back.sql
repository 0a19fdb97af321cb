insert into t values (1, 5, row(1, 'x'));
