create table st (id int primary key, grp bigint, room text, kind bigint, gone int, added text);
alter table st alter column grp set (n_distinct = -0.05);
alter table st alter column room set (n_distinct = 500);
alter table st alter column kind set (n_distinct = 7);
alter table st alter column added set (n_distinct_inherited = -1);
create table fresh (id int primary key, doc text);
alter table fresh alter column doc set (n_distinct = -0.5), alter column doc set statistics 1000;
