create extension hstore;
create type level as enum ('1', '2', '3');
create table t (
    id int primary key,
    doc hstore,
    rank level
);
