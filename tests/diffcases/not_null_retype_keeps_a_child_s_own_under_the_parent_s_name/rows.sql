insert into c values (1);
insert into gc values (2);
