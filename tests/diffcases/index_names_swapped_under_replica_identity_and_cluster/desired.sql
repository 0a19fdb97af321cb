create table t (id int not null, a int not null, b int not null);
create unique index uy on t (a);
create unique index ux on t (b);
alter table t replica identity using index ux;
alter table t cluster on uy;
