insert into a values (1,'x'),(2,'y');
insert into b values (1,'x');
insert into c values (1,'v');
