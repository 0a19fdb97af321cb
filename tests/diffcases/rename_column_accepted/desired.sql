create table t (id int, full_name text not null);
