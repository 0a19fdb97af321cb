insert into z values (1, 'a', 1), (3, 'b', 2);
