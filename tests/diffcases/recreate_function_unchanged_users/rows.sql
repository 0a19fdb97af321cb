insert into t values (1, 5, 'a'), (2, 7, 'b');
