insert into things values (1, 'happy'), (2, 'ok'), (3, 'sad');
