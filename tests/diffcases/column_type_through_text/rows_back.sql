insert into t values (1, 'a=>1', '2'), (2, null, '3');
