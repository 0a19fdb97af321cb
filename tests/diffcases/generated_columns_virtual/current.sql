-- Virtual generated columns (PostgreSQL 18: GENERATED ALWAYS AS (expr) is VIRTUAL unless STORED is said): a
-- virtual one's expression changed in place (SET EXPRESSION, no rewrite), one made stored and one stored made
-- virtual (dropped and added again, the view reading them made again), one made a plain column (its values
-- kept, as DROP EXPRESSION keeps a stored one's) and a plain one made virtual; a CHECK and a comment on one.
-- A virtual column on a table without CHECK constraints (h) takes its new expression in place, its view kept.
-- A column two virtual columns read retyped (r): they go and come back around it, with the view over them.
create table g (id int primary key, a int, b int,
  v1 int generated always as (a * 2),
  v2 int generated always as (a + b) virtual,
  s1 int generated always as (a * 3) stored,
  v3 int generated always as (a - 1),
  p1 int,
  s2 int generated always as (a * 5) stored,
  v4 int generated always as (b * 2) constraint v4_small check (v4 < 1000));
comment on column g.v2 is 'the sum';
comment on column g.p1 is 'plus one';
create table h (id int primary key, a int, v int generated always as (a * 2));
create view hv as select id, v from h;
create table r (id int primary key, a int, v int generated always as (a * 2), w int generated always as (a::int + 1));
create view rv as select id, v, w from r;
create view gv as select id, v1, v2, s1, v3, p1, s2, v4 from g;
