insert into item values (1, '(1,2)'), (2, '(,)'), (3, null);
insert into child values (4, '(3,4)', 'x'), (5, null, 'y');
