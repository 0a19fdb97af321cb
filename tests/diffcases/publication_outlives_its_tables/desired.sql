create table t (id int, at date not null) partition by range (at);
create table t_2024 partition of t for values from ('2024-01-01') to ('2025-01-01');
create table u (id int primary key);
create publication p for table t, u;
