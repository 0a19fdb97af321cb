insert into customers values (1, 'a@b', 'x', null), (2, 'c@d', 'y', 1);
insert into people values (1, 'p', 'p@q'), (2, 'q', 'q@r');
insert into orders values (1, 1), (2, 2);
