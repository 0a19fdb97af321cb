create type mood as enum ('sad', 'ok', 'glad', 'elated', 'serene');
create table things (id int primary key, mood mood default 'ok');
create index things_glad on things (id) where mood <> 'sad';
create view cheerful as select id from things where mood <> 'sad';
