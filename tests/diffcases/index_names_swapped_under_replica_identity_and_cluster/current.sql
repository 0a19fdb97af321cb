-- Two unique indexes that trade names, one the replica identity and one the table is clustered on: the
-- renames carry those marks with the index, so they are set again on the index the desired side names.
create table t (id int not null, a int not null, b int not null);
create unique index ux on t (a);
create unique index uy on t (b);
alter table t replica identity using index ux;
alter table t cluster on uy;
