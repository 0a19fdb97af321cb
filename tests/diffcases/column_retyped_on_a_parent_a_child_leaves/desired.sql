create table base_log (id bigint not null, at date);
create table sys_log (id bigint not null, at date, extra text);
create table app_log (msg text) inherits (base_log);
create table ledger (code int not null, n bigint) partition by range (code);
create table ledger_low (code int not null, n bigint);
