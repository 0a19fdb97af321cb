insert into keep values (1), (2);
