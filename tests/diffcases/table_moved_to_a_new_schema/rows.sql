insert into invoices (number, total) values ('A-1', 10), ('A-2', 20);
insert into lines values (1, 1), (2, 2);
