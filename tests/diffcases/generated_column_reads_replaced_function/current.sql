-- A function replaced by one of another signature (add1(int) -> add1(bigint)) that a stored generated column,
-- a column default, a CHECK and an expression index read: the generated column is dropped before the old
-- function and added again after the new one (its values are computed: nothing is lost).
create function add1(x int) returns int language sql immutable as $$ select x + 1 $$;
create table u (id int primary key, v int default add1(1), w int generated always as (add1(id)) stored, check (add1(v) > 0));
create index u_add1 on u (add1(v));
create index u_w on u (w);
create view uw as select id, w from u;
-- the same signature with another result type: dropped and created again, the column unchanged in the file
create function twice(x int) returns int language sql immutable as $$ select x * 2 $$;
create table u2 (id int primary key, w bigint generated always as (twice(id)) stored);
