create table t (id serial primary key, note text, n bigint generated always as identity);
insert into t (note) values ('kept'), ('also kept');
