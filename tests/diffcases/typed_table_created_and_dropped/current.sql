-- typed tables created (CREATE TABLE ... OF, as pg_dump writes it: the table's own defaults, identity, NOT
-- NULLs and constraints only) and dropped with their types; one partitioned
create type gone as (x int, y text);
create table old_boxes of gone (x with options primary key);
create table keeper (id int primary key);
