create type pt as (x bigint, y int, z int);
create function norm(p pt) returns bigint language sql immutable return abs(p.x) + abs(p.y);
create function firsts(ps pt[]) returns bigint language sql immutable return ps[1].x;
create function acc(s int, p pt) returns int language sql immutable return s + p.y;
create aggregate sum_y(pt) (sfunc = acc, stype = int, initcond = '0');
create table t (id int primary key, p pt, ps pt[], n bigint generated always as (norm(p)) stored);
