insert into member values (1, 'Ada'), (2, 'Grace');
