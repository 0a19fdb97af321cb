-- A partition that becomes a table of its own and loses a column: DETACH before the DROP COLUMN (a
-- partition cannot drop what its parent has).
create table a (id int, at date, v text) partition by range (at); create table b (id int, at date, v text) partition by range (at); create table p1 partition of a for values from ('2024-01-01') to ('2025-01-01');
