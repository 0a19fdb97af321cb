insert into t values ('a', 1, 2), ('b', 7, null);
