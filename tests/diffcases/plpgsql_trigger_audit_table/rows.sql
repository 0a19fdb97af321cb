insert into items values (1, 'one'), (2, 'two');
