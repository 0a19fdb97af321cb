create table base (a int);
create view x as select a from base;
