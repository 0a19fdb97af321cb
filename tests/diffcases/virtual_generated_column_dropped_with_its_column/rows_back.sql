insert into film values (1, 'x');
