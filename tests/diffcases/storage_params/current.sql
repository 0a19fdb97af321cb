create table t (id int primary key) with (fillfactor = 70, autovacuum_enabled = false);
create table u (id int primary key);
insert into t values (1);
