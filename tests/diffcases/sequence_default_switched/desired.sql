create sequence spare;
create table c (id serial primary key, note text);
create sequence d_seq;
create table d (id int primary key default nextval('d_seq'), note text);
create table e (id bigint primary key default nextval('spare'), note text);
