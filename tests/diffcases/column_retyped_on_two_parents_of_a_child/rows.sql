insert into kid values (1, 'a', 'b', 'c', 'd');
insert into p2 values (2, 'b');
