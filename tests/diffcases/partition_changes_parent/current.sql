-- A partition moved to another parent: DETACH from the one, ATTACH to the other, rows kept.
create table a (id int, at date, v text) partition by range (at); create table b (id int, at date, v text) partition by range (at); create table p1 partition of a for values from ('2024-01-01') to ('2025-01-01');
