insert into t (id, full_name, age) values (1, 'Ada Lovelace', 36);
