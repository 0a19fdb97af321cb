create table t (owner text, v int, added int);
alter table t enable row level security;
create policy p1 on t using (owner = session_user and added is not null);
comment on policy p1 on t is 'rows of their owner';
create policy p2 on t for update using (v > 0) with check (v > 1);
create policy p3 on t for insert to current_user with check (v < 10);
create policy p4 on t for delete using (true);
create policy p5 on t for update using (v > 5);
