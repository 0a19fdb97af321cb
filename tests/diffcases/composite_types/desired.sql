create type pair as (a int, b varchar(20), d numeric);
create type fresh as (x int, y text);
comment on type pair is 'a changed pair';
create table t (id int primary key, p pair);
create type loose as (a bigint, c text collate "C");
