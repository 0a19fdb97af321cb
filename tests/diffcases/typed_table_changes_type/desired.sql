create type a as (w int, h int);
create type b as (w int, h int, d numeric(6,2));
create table t1 of b (w with options primary key, d with options default 0);
create table t2 of a (h with options not null);
create table t3 of a;
