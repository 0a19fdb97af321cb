insert into items values (1, 'a', 10), (2, 'b', null);
insert into things values (1), (2);
insert into log (what) values ('before');
