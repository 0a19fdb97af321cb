insert into t (id, p, ps) values (1, row(1, -2, 5), array[row(3, 4, 5)::pt]), (2, null, null);
