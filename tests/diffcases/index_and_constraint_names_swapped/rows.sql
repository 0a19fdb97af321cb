insert into owner values (1), (2);
insert into t values (1, 1, 2, 3, 'x', 1, 2), (2, 4, 5, 6, 'y', 2, null);
