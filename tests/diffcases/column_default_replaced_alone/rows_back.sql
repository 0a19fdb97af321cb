insert into t (id) values (1), (2);
