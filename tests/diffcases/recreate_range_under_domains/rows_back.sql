insert into t values (1, '[1,2)', '[3,4)', '[5,6)'), (2, null, '[1,2]', null);
