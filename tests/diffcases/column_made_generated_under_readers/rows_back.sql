insert into item (id, qty, price) values (1, 2, 3), (2, 1, 2000);
