create table x (a int);
create table base (a int);
create view reads_x as select a from x;
