create foreign data wrapper w;
create server s foreign data wrapper w;
create table x (a int);
create view v as select a from x;
