create table t (id int, fullname text not null);
