-- A column retyped while a policy, a trigger's WHEN and an SQL-standard function body read it: PostgreSQL
-- refuses the ALTER for each ("cannot alter type of a column used in a policy definition", "... in a trigger
-- definition", "... by a function or procedure"), so they are dropped before and created again after.
create table t (id int primary key, owner_id int, qty int);
alter table t enable row level security;
create policy own on t using (owner_id = 1);
create function touch() returns trigger language plpgsql as $$ begin return new; end $$;
create trigger positive before update on t for each row when (new.qty > 0) execute function touch();
create function total() returns bigint language sql stable begin atomic select sum(qty) from t; end;
create view totals as select total() as total;
