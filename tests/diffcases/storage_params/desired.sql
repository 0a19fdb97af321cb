create table t (id int primary key) with (fillfactor = 80);
create table u (id int primary key) with (toast_tuple_target = 256, autovacuum_vacuum_scale_factor = 0.05);
