insert into part values (1); insert into box values (1, 2);
