insert into parent (id, a) values (1, 'x'), (2, 'y');
