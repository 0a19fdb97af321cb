create table base (a int);
create materialized view x as select a from base;
create index xi on x (a);
