insert into t1 values (1, 2, 1.5), (3, null, null);
insert into t2 values (1, 2), (5, 7);
insert into t3 values (1, 2);
