insert into a values (1, 1, 1); insert into b values (1, 1); insert into c values (1, 1);
