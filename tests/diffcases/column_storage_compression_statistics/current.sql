-- A column's SET STORAGE / COMPRESSION / STATISTICS: set, changed, reset to the default, kept through a type
-- change (which resets the storage), and on a new table and a new column.
create table s (id int primary key, body text, j jsonb, n numeric, r int, plain text);
alter table s alter column body set storage external;
alter table s alter column n set statistics 50;
alter table s alter column r set statistics 10;
alter table s alter column plain set compression pglz;
