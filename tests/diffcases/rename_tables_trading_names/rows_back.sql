insert into b values (1, 'x');
insert into d values (1);
