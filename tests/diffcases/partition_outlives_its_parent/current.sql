-- The parent goes, its partition stays as a table of its own: DETACH before the DROP takes it along.
create table a (id int, at date, v text) partition by range (at); create table b (id int, at date, v text) partition by range (at); create table p1 partition of a for values from ('2024-01-01') to ('2025-01-01');
