create schema old_home;
create schema kept;
create extension citext with schema old_home;
create table kept.t (id int primary key, note text);
insert into kept.t values (1, 'kept');
