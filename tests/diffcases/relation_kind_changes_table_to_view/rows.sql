insert into base values (1);
