insert into booking (note) values ('a'), ('b');
