insert into p values (1, 10), (2, 20);
insert into c values (1, 1, 10, 2), (2, 2, null, null);
