-- Triggers: WHEN changed, a transition table (REFERENCING NEW TABLE) made ENABLE REPLICA, a constraint
-- trigger made not deferrable, INSTEAD OF on a view with a comment, DISABLE and ENABLE ALWAYS. Worked at once in
-- session 14 (coverage).
create table t (id int primary key, n int);
create table audit (id int, n int);
create view tv as select id, n from t;
create function trg() returns trigger language plpgsql as $$ begin return new; end $$;
create function trg_stmt() returns trigger language plpgsql as $$ begin insert into audit select id, n from newtab; return null; end $$;
create function trg_view() returns trigger language plpgsql as $$ begin insert into t values (new.id, new.n); return new; end $$;
create trigger a_row before insert on t for each row execute function trg();
create trigger b_when before update on t for each row when (old.n is distinct from new.n) execute function trg();
create trigger c_trans after insert on t referencing new table as newtab for each statement execute function trg_stmt();
create constraint trigger d_cons after insert on t deferrable initially deferred for each row execute function trg();
create trigger e_view instead of insert on tv for each row execute function trg_view();
create trigger f_dis before delete on t for each row execute function trg();
