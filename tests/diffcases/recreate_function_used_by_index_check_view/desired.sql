create function norm(x text) returns text language sql immutable return lower(x);
create table person (id int primary key, name text, check (norm(name) <> ''));
create index person_norm on person (norm(name));
create view person_norm_v as select id, norm(name) as n from person;
