insert into film (id, minutes, title) values (1, 150, 'a'), (2, null, 'b');
