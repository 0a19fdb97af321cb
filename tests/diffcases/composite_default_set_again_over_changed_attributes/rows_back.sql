insert into part values (1, '(3,4)', array['(5,6)'::dims]); insert into box values (1, 2);
