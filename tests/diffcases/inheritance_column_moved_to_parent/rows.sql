insert into car values (2, 'y', 4, 'V1');
insert into truck values (3, 'z', 3, 'V2');
insert into amph values (5, 'a', 4, 'V5', 'h', 4);
