create extension if not exists citext; create table t (id int, email citext);
