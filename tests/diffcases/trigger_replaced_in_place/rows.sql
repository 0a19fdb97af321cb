insert into t values (1, 2, 3, 4), (2, 5, 6, 7);
insert into p values (1, 1), (50, 2);
