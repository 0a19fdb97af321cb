-- A parent's column given a default (or its default dropped) while a child that has the column from it leaves
-- (NO INHERIT) as it was (delta seed 934): the parent's SET DEFAULT ran first and reached the child, which left
-- with it, and every diff after dropped it. The child leaves first, as for a type change.
create table base_log (id int not null, at date default '2024-01-01');
create table sys_log (extra text) inherits (base_log);
create table app_log (msg text) inherits (base_log);
