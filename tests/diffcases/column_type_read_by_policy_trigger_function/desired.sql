create table t (id int primary key, owner_id bigint, qty numeric);
alter table t enable row level security;
create policy own on t using (owner_id = 1);
create function touch() returns trigger language plpgsql as $$ begin return new; end $$;
create trigger positive before update on t for each row when (new.qty > 0) execute function touch();
create function total() returns numeric language sql stable begin atomic select sum(qty) from t; end;
create view totals as select total() as total;
