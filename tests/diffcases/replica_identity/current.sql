create table a (id int primary key, u int not null unique);
create table b (id int primary key);
create table c (id int primary key, u int not null);
create unique index c_u on c (u);
alter table c replica identity using index c_u;
create table d (id int primary key);
alter table d replica identity nothing;
insert into a values (1, 1);
