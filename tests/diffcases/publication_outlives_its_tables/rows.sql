insert into u values (1);
