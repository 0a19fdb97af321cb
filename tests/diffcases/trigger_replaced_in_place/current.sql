-- Triggers whose definition changes: CREATE OR REPLACE TRIGGER changes each in place, one statement, the
-- trigger never missing between a DROP and a CREATE (rows written meanwhile would skip it), its comment kept.
-- A WHEN clause, an UPDATE OF list, the function called, on a table, a view (INSTEAD OF) and a partitioned
-- table (its partitions' clones follow it). Dropped and created again where PostgreSQL refuses to replace: a
-- constraint trigger (its comment written again); and where the old trigger reads what the plan drops first:
-- a function gone from the desired side, a column dropped.
create function touch() returns trigger language plpgsql as $$ begin return new; end $$;
create function stamp() returns trigger language plpgsql as $$ begin return new; end $$;
create function old_fn() returns trigger language plpgsql as $$ begin return new; end $$;
create function through() returns trigger language plpgsql as $$ begin return null; end $$;
create table t (id int primary key, a int, b int, c int);
create trigger t_when before update on t for each row when (old.a is distinct from new.a) execute function touch();
comment on trigger t_when on t is 'a watched';
create trigger t_of before update of a on t for each row execute function touch();
create trigger t_fn before insert on t for each row execute function touch();
create trigger t_dis before insert on t for each row execute function touch();
alter table t disable trigger t_dis;
create trigger t_gone before insert on t for each row execute function old_fn();
create trigger t_col before update of c on t for each row execute function touch();
create constraint trigger t_con after insert on t deferrable for each row execute function touch();
comment on trigger t_con on t is 'checked late';
create view v as select id, a from t;
create trigger v_ins instead of insert on v for each row execute function through();
create table p (id int, k int) partition by range (id);
create table p1 partition of p for values from (0) to (100);
create trigger p_trg before insert on p for each row execute function touch();
