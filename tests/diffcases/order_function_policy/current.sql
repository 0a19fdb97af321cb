create table t (id int primary key, owner text);
alter table t enable row level security;
