insert into payment values (1, '2024-03-01');
