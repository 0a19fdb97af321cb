insert into things values (2, 'ok'), (3, 'sad');
