-- A kept foreign key whose two ends are both retyped (lago's uuid keys made openstreetmap's bigint): the server
-- checks the key's types at the end of each ALTER, so the key goes first and comes back once both ends have
-- their new type. A key whose other end keeps its type stays (the ALTER rebuilds it).
create table blobs (id varchar(20) primary key, size int);
create table attachments (id int primary key, blob_id varchar(20) references blobs (id), name text);
create table notes (id int primary key, attachment_id int references attachments (id));
