insert into item values (1, 'a'), (2, 'b'); insert into keep values (1);
