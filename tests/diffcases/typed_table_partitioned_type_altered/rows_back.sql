insert into ptab values (1, 'x', 3), (2, 'y', null);
