insert into t values (1, 'alpha'), (2, 'beta');
