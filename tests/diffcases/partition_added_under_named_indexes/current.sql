-- A partition added under a partitioned table's indexes the plan keeps, its indexes named otherwise than
-- PostgreSQL names the ones it makes with the partition (pg_dump writes them so: each partition's index under
-- its own name, attached). Made by CREATE TABLE ... PARTITION OF, the partition gets PostgreSQL's; each is
-- renamed to the desired name, not built a second time beside it under IF NOT EXISTS (which the next diff
-- could not drop: an attached index goes only with its parent's). One keeps PostgreSQL's name (IF NOT EXISTS,
-- a no-op), one has an INCLUDE list, one is unique over two columns.
create table z (id int, v text, w int) partition by list (id);
create index z_v on z (v);
create index z_w on z (w) include (v);
create unique index z_id_w on z (id, w);
create index z_plain on z (id);
create table z1 partition of z for values in (1);
