create table a (id int primary key, b_id int) partition by range (id);
create table a_all partition of a default;
create table b (id int primary key, a_id int);
