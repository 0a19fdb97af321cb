-- A policy whose roles, USING or WITH CHECK alone change is altered in place (ALTER POLICY takes each clause
-- alone) and keeps its comment; a new command (p4) or a clause lost (p5's WITH CHECK) takes DROP and CREATE.
-- p1's new USING reads a column the plan adds: altered after the ADD COLUMN. Back, the plan drops that column,
-- which PostgreSQL refuses while p1 reads it: p1 is dropped and created again around it, its comment too.
create table t (owner text, v int);
alter table t enable row level security;
create policy p1 on t using (owner = current_user);
comment on policy p1 on t is 'rows of their owner';
create policy p2 on t for update using (v > 0) with check (v > 0);
create policy p3 on t for insert to public with check (v < 10);
create policy p4 on t for select using (true);
create policy p5 on t for update using (v > 5) with check (v > 6);
