insert into child values (1, 2);
insert into was_typed values (1, 'x');
