-- A column's default switched to another sequence (a new one, or one already there) on a table with rows: the
-- sequence continues after the rows, never below them (no duplicate key on the next insert).
create sequence spare;
create table c (id serial primary key, note text);
create table d (id int primary key default nextval('c_id_seq'), note text);
create table e (id bigint primary key, note text);
