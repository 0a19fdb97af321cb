create function add1(x bigint) returns bigint language sql immutable as $$ select x + 1 $$;
create table u (id int primary key, v int default add1(1), w bigint generated always as (add1(id)) stored, check (add1(v) > 0));
create index u_add1 on u (add1(v));
create index u_w on u (w);
create view uw as select id, w from u;
create function twice(x int) returns bigint language sql immutable as $$ select x * 2 $$;
create table u2 (id int primary key, w bigint generated always as (twice(id)) stored);
