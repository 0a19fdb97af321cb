create table a (id int primary key, v int, w int);
create table b (id int primary key, v int);
create table c (id int primary key, v int, constraint a_idx unique (v));
create index i_two on a (v);
create unique index i_one on b (v);
create index c_key on a (w);
