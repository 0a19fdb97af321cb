-- A partition detached from its parent, or attached, or moved to another parent: DETACH and ATTACH keep its
-- rows (and its indexes); the plan never drops and re-creates it.
create table a (id int, at date, v text) partition by range (at); create table b (id int, at date, v text) partition by range (at); create index a_v on a (v); create table p1 partition of a for values from ('2024-01-01') to ('2025-01-01');
