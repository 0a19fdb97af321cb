create table p1 (id int, a int);
create table p2 (id int, b int);
create table c (id int, a int, b int) inherits (p1);
insert into c values (1, 2, 3);
