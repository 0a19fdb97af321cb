insert into a values (1, 'x'), (2, 'y');
insert into b values (1, 1, 10), (2, 2, 20);
insert into c values (1);
insert into d values (1, 5);
