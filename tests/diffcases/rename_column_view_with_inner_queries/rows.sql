insert into coupons values (1, 'a', 1), (2, 'b', 0);
insert into targets values (1, 10), (1, 11);
