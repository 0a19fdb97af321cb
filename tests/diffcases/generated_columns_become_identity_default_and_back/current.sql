-- Generated columns made identity columns (their values kept, the sequence continuing after them) and a plain
-- column with a default; a column with a default made virtual; and back, with rows.
create table q (id int primary key, a int,
  v int generated always as (a * 2),
  s int generated always as (a * 3) stored,
  d int default 7,
  x int generated always as (a + 1) stored);
comment on column q.s is 'stored';
