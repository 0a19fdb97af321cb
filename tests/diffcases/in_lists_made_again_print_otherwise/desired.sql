create table keep (id int);
create table reviews (id int, type varchar(20) check (type in ('pending', 'comment')));
create index reviews_open on reviews (id) where type in ('pending');
create table g (s varchar(10) default 'x', n int generated always as (case when s in ('x', 'y') then 1 end) stored);
alter table reviews enable row level security;
create policy xy on reviews using (type in ('pending', 'comment')) with check (type in ('comment'));
create domain code as varchar(5) constraint code_known check (value in ('a', 'b'));
create table c (id int, k code);
create view v as select id from reviews where type in ('pending', 'comment');
