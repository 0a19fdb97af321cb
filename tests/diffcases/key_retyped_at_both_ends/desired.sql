create table blobs (id bigint primary key, size int);
create table attachments (id bigint primary key, blob_id bigint references blobs (id), name text);
create table notes (id int primary key, attachment_id int references attachments (id));
