-- A column added to a parent while a child leaves it (NO INHERIT) or a partition is detached: the child leaves
-- first, else the parent's ADD COLUMN reaches it and it keeps the column as its own once it has left (or, where
-- the desired child has the column too, its own ADD COLUMN fails: "already exists"). Back, a table joins the
-- parent once the parent has dropped the column it drops too (INHERIT: "child table is missing column").
create table base_log (id int, msg text);
create table sys_log () inherits (base_log);
create table app_log () inherits (base_log);
create table pp (id int, msg text) partition by list (id);
create table pp1 partition of pp for values in (1);
create table pp2 partition of pp for values in (2);
