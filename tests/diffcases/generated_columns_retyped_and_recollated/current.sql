-- Generated columns, virtual and stored, given another type or collation in place, a view over them: PostgreSQL
-- computes their values again from the expression and refuses a USING ("cannot specify USING when altering type
-- of generated column"), which a narrowed type (bigint -> integer, the way back) was written with.
create table q (id int primary key, a int, v int generated always as (a * 2), s int generated always as (a * 3) stored, c text collate "C" generated always as (a::text));
create view qv as select id, v, s, c from q;
