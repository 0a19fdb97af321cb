create table z (id int, v text) partition by list (id);
create index z_v_b on z (v);
create index z_v_a on z (v) where v is not null;
create table z1 partition of z for values in (1);
create table z3 (id int, v text);
create index z3_by_v on z3 (v);
create index z3_by_v_partial on z3 (v) where v is not null;
alter table z attach partition z3 for values in (3);
