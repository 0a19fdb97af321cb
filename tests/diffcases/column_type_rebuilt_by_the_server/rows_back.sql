insert into p values (1), (2);
insert into c values (1, 1, 3, 'ab', 1, '[2020-01-01,2020-02-01)'), (2, 2, 4, 'cd', 1, '[2020-03-01,2020-04-01)');
