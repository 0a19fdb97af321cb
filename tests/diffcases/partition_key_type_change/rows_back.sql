insert into m values (1, 5, 'a'), (2, 150, 'b'); insert into kept values (1);
