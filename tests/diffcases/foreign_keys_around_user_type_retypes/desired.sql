create extension citext;
create type st as enum ('a', 'b');
create table st_info (code st primary key, label text);
create table item (id int primary key, s st references st_info);
create table acct (id int primary key, email citext not null unique, alias varchar(50));
create index acct_alias on acct (lower(alias));
create table login (id int primary key, email citext references acct (email));
