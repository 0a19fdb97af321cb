insert into a values (1, 'one'), (2, 'two');
insert into b values (1, 1), (2, 2);
insert into c values (1, 1, 1), (2, 1, 2);
insert into d values (1, 'one'), (2, 'two');
insert into e values (1, 1), (2, 2);
insert into e_ref values (1, 2);
