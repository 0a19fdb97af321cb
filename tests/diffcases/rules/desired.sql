create table t (id int primary key, note text);
create table audit (id int, at timestamptz default now());
create view v as select id, note from t;
create rule t_log as on insert to t do also insert into audit (id) values (new.id + 1000);
create rule t_new as on update to t do also insert into audit (id) values (old.id);
alter table t disable rule t_new;
create rule v_insert as on insert to v do instead insert into t values (new.id, new.note);
comment on rule t_log on t is 'new comment';
