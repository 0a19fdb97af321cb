create extension pg_trgm;
create table t (id int primary key, name text);
create index t_name_trgm on t using gin (name gin_trgm_ops);
