insert into t values (1, 'a', 'o'), (2, 'b', 'p');
