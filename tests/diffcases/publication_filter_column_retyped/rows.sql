insert into t values (1, 2, 'x', 3); insert into u values (1, 5);
