create table base_log (id bigint not null, at date);
create table sys_log (id int not null, at date, extra text);
create table app_log (msg text) inherits (base_log);
