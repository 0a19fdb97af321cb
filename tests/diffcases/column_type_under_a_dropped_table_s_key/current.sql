-- A key column retyped while the table whose foreign key references it is dropped: the key goes with its table
-- before the type changes (the server checks the key's column types at the end of the ALTER; plue's messages
-- and parts planned into openstreetmap's messages)
create table messages (id varchar primary key, body text);
create table parts (id int primary key, message_id varchar references messages (id));
