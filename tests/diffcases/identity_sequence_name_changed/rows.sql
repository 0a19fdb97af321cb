insert into t (v) values (1), (2); insert into u (v) values (1);
