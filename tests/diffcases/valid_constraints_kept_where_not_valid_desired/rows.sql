insert into owner values (1);
insert into t values (1, 2, 1, 1), (2, 3, null, 2);
