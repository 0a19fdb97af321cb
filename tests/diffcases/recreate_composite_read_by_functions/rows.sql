insert into t (id, p, ps) values (1, row(1, -2), array[row(3, 4)::pt]), (2, null, null);
