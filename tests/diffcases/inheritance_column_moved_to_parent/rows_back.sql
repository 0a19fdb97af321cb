insert into vehicle values (1, 'x', 'V0');
insert into car values (2, 'y', 'V1', 4);
insert into truck values (3, 'z', 'V2', 3);
insert into boat values (4, 'b', 'V4', 'h');
insert into amph values (5, 'a', 'V5', 4, 'h', 4);
