insert into boxes values (1, 2, 5), (2, 20, 6);
insert into crates values (1, null, 3);
