insert into booking values (1), (2);
