insert into t1 values (1, 2), (3, null);
insert into t2 values (1, 'x', 2), (5, null, 7);
