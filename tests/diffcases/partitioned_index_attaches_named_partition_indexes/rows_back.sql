insert into z values (1, 'a', 1), (2, 'b', 1);
