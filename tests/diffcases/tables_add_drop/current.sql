create table a (id int primary key); create table gone (id int primary key, a_id int references a);
