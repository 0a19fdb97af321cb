insert into t values (1);
