insert into m values (1, 1, 'a'), (2, 7, 'b');
