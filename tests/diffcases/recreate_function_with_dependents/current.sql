create function norm(x text) returns text language sql immutable return lower(x);
create function ok_name(x text) returns boolean language sql immutable return length(x) > 0;
create table t (id int primary key, name text default norm('X') check (ok_name(name)), owner text);
create index t_norm on t (norm(name));
alter table t enable row level security;
create policy named on t using (ok_name(owner));
