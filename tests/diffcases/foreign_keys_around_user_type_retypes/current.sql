-- Foreign keys whose two sides change type together to or from a user type: a lookup table keyed by an enum
-- made again (a value removed), and e-mail columns made citext. PostgreSQL checks a key's sides as each
-- ALTER runs and refused the first ("foreign key constraint ... cannot be implemented": st and st__dibs_old,
-- character varying and citext): each key goes before the type changes and comes back after both.
create extension citext;
create type st as enum ('a', 'b', 'c');
create table st_info (code st primary key, label text);
create table item (id int primary key, s st references st_info);
create table acct (id int primary key, email varchar(200) not null unique, alias varchar(50));
create index acct_alias on acct (lower(alias));
create table login (id int primary key, email varchar(200) references acct (email));
