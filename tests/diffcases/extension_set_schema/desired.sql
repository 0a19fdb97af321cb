create schema new_home;
create schema kept;
create extension citext with schema new_home;
create table kept.t (id int primary key, note text);
