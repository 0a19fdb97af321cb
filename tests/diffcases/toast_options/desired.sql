create table t (id int primary key, body text) with (fillfactor = 90, toast.autovacuum_enabled = false);
create table u (id int primary key, body text) with (toast.vacuum_truncate = true);
create table fresh (id int primary key, body text) with (toast.autovacuum_vacuum_scale_factor = 0.05);
