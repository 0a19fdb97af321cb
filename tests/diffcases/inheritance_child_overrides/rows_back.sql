insert into parent (id, a, n) values (1, 'x', 1);
insert into child (id, a, n, extra) values (2, 'y', 2, 3);
