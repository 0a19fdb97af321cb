create table b (id int primary key, v text);
create table a (id int primary key, a_id int references b (id), w int);
create table d (id int primary key);
create table e (id int primary key, x int);
create view ab as select b.v, a.w from b join a on a.a_id = b.id;
