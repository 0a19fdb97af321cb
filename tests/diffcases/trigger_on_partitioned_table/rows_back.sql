insert into m values (1, 5, null);
