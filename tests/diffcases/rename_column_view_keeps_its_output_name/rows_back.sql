insert into film (id, heading, "Sub Heading", length) values (1, 'a', 'b', 90), (2, 'c', null, 100);
