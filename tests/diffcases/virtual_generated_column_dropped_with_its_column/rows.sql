insert into film (id, length, rate) values (1, 90, 2.5);
