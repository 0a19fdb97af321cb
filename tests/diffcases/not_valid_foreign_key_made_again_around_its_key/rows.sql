insert into e values (1, 1), (2, 2);
insert into e_ref values (1, 2), (2, null);
