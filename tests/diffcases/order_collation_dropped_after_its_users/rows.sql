insert into keep values (1, 'a');
