insert into z values (1, 'a'), (3, 'b'), (4, null);
