insert into d values (1, 1);
