insert into person values (1, 'Ada'), (2, 'Grace');
