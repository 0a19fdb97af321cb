-- One enum value renamed in place and values added after it: RENAME VALUE, then ADD VALUE (one placed after
-- the new name), so the rows holding the value keep it under its new name; re-creating the type through text
-- would refuse them. Back, two values go: the type is made again, its rows through text.
create type mood as enum ('sad', 'ok', 'happy');
create table things (id int primary key, mood mood default 'ok');
create index things_glad on things (id) where mood <> 'sad';
create view cheerful as select id from things where mood <> 'sad';
