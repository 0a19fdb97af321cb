create table a (id int primary key, u int not null unique);
alter table a replica identity using index a_u_key;
create table b (id int primary key);
alter table b replica identity full;
create table c (id int primary key, u int not null);
create unique index c_u on c (u);
create table d (id int primary key);
