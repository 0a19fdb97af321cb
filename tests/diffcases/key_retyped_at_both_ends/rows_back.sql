insert into blobs values (1, 10), (2, 20);
insert into attachments values (1, 1, 'a'), (2, 2, 'b');
insert into notes values (1, 1);
