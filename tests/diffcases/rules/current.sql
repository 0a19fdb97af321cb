create table t (id int primary key, note text);
create table audit (id int, at timestamptz default now());
create view v as select id, note from t;
insert into t values (1, 'kept'), (2, 'kept too');
create rule t_log as on insert to t do also insert into audit (id) values (new.id);
create rule t_gone as on delete to t do instead nothing;
create rule v_insert as on insert to v do instead insert into t values (new.id, new.note);
comment on rule t_log on t is 'old comment';
