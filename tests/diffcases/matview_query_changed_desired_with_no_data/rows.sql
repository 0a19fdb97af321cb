insert into sale values (1, 'n', 5);
