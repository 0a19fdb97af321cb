-- A key that becomes a plain index of its name (built first under a passing name: key_handovers) while the
-- table is clustered on it (a) or replicates by it (b), and a primary key that becomes a unique index the
-- table is clustered on (c). CLUSTER ON and REPLICA IDENTITY name the desired index, not the current key of
-- its name: needing that key put them before its drop, after the index's rename: a cycle (a plain index of
-- a key's name under CLUSTER ON was refused before the handover too). Back: the indexes made the keys.
create table a (id int not null, code text not null, constraint a_code_key unique (code));
alter table a cluster on a_code_key;
create table b (id int not null, code text not null, constraint b_code_key unique (code));
alter table b replica identity using index b_code_key;
create table c (id int primary key, v text);
