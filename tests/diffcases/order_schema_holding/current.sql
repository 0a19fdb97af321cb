create schema app;
create type app.mood as enum ('ok', 'sad');
create table app.t (id int primary key, m app.mood);
create function app.f() returns int language sql return 1;
create sequence app.s;
create view app.v as select id from app.t;
create table public.keep (id int primary key);
