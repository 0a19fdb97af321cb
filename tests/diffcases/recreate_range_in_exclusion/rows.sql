insert into booking values (1, 1, '[1,2)'), (2, 1, '[2,3)');
