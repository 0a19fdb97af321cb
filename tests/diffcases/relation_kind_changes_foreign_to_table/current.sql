create foreign data wrapper w;
create server s foreign data wrapper w;
create foreign table x (a int) server s;
create view v as select a from x;
