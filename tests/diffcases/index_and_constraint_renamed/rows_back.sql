insert into owner values (1);
insert into t values (1, 'a@b', 5, 1), (2, 'c@d', 20, null);
