create table base (a int);
create view x as select a from base;
create view reads_x as select a from x;
