create table g (id int primary key, a int, b int,
  v1 int generated always as (a * 4),
  v2 int generated always as (a + b) stored,
  s1 int generated always as (a * 3),
  v3 int,
  p1 int generated always as (b + 1),
  s2 int generated always as (a * 7) stored,
  v4 int generated always as (b * 3) constraint v4_small check (v4 < 1000));
comment on column g.v2 is 'the sum';
comment on column g.p1 is 'plus one';
create table h (id int primary key, a int, v int generated always as (a * 5));
create view hv as select id, v from h;
create table r (id int primary key, a bigint, v bigint generated always as (a * 2), w int generated always as (a::int + 1));
create view rv as select id, v, w from r;
create view gv as select id, v1, v2, s1, v3, p1, s2, v4 from g;
