insert into discounts values (1, 'a', 1), (2, 'b', 0);
