-- A partitioned table's new index whose partitions' indexes bear names of their own (pg_dump writes them so:
-- CREATE INDEX ON ONLY the parent, each partition's, ATTACH PARTITION): the partitions' indexes are made
-- first, under those names, and the parent's CREATE INDEX attaches them. Made after it, each was a second
-- index beside the one PostgreSQL made and named there: built twice, and the next diff dropped the other.
-- One level down too (z2 is partitioned itself), and a unique index.
create table z (id int, v text, w int) partition by list (id);
create table z1 partition of z for values in (1);
create table z2 partition of z for values in (2) partition by list (w);
create table z2a partition of z2 for values in (1);
