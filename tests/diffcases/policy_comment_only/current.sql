create table t (id int primary key);
alter table t enable row level security;
create policy p on t using (id > 0);
comment on policy p on t is 'old words';
