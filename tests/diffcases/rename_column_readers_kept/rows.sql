insert into t (id, fullname, age) values (1, 'Ada Lovelace', 36), (2, null, 1);
