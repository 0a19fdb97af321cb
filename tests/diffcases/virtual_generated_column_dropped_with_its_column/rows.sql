insert into film (id, length, rate, pr) values (1, 90, 2.5, 'x');
