insert into boxes values (1, 2, 'a'), (2, 5, null);
