insert into film values (1, 'a', 'b', 90), (2, 'c', null, 100);
