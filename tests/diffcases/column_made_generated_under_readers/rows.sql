insert into item (id, qty, price, total) values (1, 2, 3, 6), (2, 1, 2000, 2000);
