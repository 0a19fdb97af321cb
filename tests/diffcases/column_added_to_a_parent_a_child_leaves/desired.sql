create table base_log (id int, msg text, level int default 1);
create table sys_log (id int, msg text);
create table app_log (id int, msg text, level int default 1);
create table pp (id int, msg text, level int default 1) partition by list (id);
create table pp1 (id int, msg text);
create table pp2 partition of pp for values in (2);
