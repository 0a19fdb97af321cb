-- A table's TOAST options (WITH (toast.autovacuum_enabled = false, toast.vacuum_truncate = false)), read from
-- its TOAST table as toast.x: set, changed, reset, beside its own options and on a new table.
create table t (id int primary key, body text) with (fillfactor = 90);
create table u (id int primary key, body text) with (toast.autovacuum_enabled = false, toast.vacuum_truncate = false);
