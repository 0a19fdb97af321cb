create table t (id int primary key, v int);
create table log (v bigint, at timestamptz default now());
create rule t_log as on insert to t do also insert into log (v) values (new.v);
comment on rule t_log on t is 'logs every insert';
