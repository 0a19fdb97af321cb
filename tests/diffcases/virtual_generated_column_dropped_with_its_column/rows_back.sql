insert into film values (1);
