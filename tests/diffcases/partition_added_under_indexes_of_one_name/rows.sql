insert into z values (1, 'a');
