create function norm(input text) returns text language sql immutable return lower(input);
create function ok_name(x text) returns integer language sql immutable return length(x);
create table t (id int primary key, name text default norm('X') check (ok_name(name) > 0), owner text);
create index t_norm on t (norm(name));
alter table t enable row level security;
create policy named on t using (ok_name(owner) > 0);
