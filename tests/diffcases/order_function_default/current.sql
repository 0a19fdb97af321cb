create table t (id int primary key, code text);
