-- A chain of four views whose bottom table retypes a column and drops one; security_barrier,
-- check_option, security_invoker changed; a materialized view with an index and rows; a function RETURNS SETOF
-- a view of the chain (dropped and made again with it). Worked at once in session 14 (coverage).
create table t (id int primary key, amount int, note text, extra text);
create view v1 as select id, amount, note, extra from t;
create view v2 as select id, amount, note from v1 where amount > 0;
create view v3 as select id, amount * 2 as doubled, note from v2;
create view v4 as select count(*) as n, sum(doubled) as total from v3;
create view sb with (security_barrier) as select id, note from t where id > 0;
create view co as select id, amount from t where amount > 0 with local check option;
create view si with (security_invoker = true) as select id from t;
create materialized view mv as select id, amount from t;
create unique index mv_id on mv (id);
create function f_v2() returns setof v2 language sql stable as $$ select * from v2 $$;
