create table t (owner text, v int); alter table t enable row level security; create policy p1 on t using (owner = current_user); create policy gone on t for select using (true);
