insert into t values (1, 2, 3), (2, 5, 6);
insert into p values (1, 1), (50, 2);
