create schema kinds;
create type kinds.mood as enum ('ok', 'sad');
create domain kinds.pct as int check (value between 0 and 100);
create table t (id int primary key, m kinds.mood, p kinds.pct);
