insert into booking values (1, '[1,2)');
insert into booking_extra values (2, '[2,3)', 'x');
insert into ledger values (5, '[1,5)');
