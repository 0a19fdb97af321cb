insert into c values (1, 'a'); insert into d values (2, 'b');
