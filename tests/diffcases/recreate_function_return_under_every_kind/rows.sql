insert into t (a) values (1), (2);
