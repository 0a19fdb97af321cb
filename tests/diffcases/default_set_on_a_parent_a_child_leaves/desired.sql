create table base_log (id int not null default 6, at date);
create table sys_log (id int not null, at date default '2024-01-01', extra text);
create table app_log (msg text) inherits (base_log);
