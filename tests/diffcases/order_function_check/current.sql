create table t (id int primary key, score int);
