create table z (id int, v text, w text) partition by list (id);
create table a_p partition of z for values in (1);
create table z_p partition of z for values in (2);
create index z_v_idx on z (v);
create unique index z_id_v_key on z (id, v);
