insert into t1 values (1, 2); insert into t2 values (1); insert into t3 values (1); insert into t4 values (1, 2);
insert into t5 values (1, 2);
