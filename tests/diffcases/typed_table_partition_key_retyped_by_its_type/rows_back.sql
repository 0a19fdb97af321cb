insert into ptab values (1, 'x');
