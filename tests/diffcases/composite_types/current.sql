create type pair as (a int, b text, c int);
create type gone as (x int);
comment on type pair is 'a pair';
create table t (id int primary key, p pair);
insert into t values (1, row(1, 'one', 3));
create type loose as (a int, b text);
