insert into t values ('a', 1), ('b', 7);
