insert into z values (1, 'a', 'x'), (2, 'b', 'y');
