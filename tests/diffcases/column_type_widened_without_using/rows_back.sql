insert into t values (1, 'a@example.org', 'ab-12', 12.34, 99.5, '{red,green}', 3, 'x'), (2, null, null, null, null, null, null, null);
