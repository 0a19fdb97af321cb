-- Tables of one schema whose indexes trade names (an index's name is in the schema's namespace, a unique
-- key's too): renamed, the first of each circle through a free name, not rebuilt (before: a cycle error).
create table a (id int primary key, v int, w int);
create table b (id int primary key, v int);
create table c (id int primary key, v int, constraint c_key unique (v));
create index i_one on a (v);
create unique index i_two on b (v);
create index a_idx on a (w);
