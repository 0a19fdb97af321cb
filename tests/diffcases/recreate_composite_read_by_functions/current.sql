create type pt as (x int, y int);
create function norm(p pt) returns int language sql immutable return abs(p.x) + abs(p.y);
create function firsts(ps pt[]) returns int language sql immutable return ps[1].x;
create function acc(s int, p pt) returns int language sql immutable return s + p.y;
create aggregate sum_y(pt) (sfunc = acc, stype = int, initcond = '0');
create table t (id int primary key, p pt, ps pt[], n int generated always as (norm(p)) stored);
