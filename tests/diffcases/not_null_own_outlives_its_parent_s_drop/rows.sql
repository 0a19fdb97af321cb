insert into q values (1, 1), (2, 2), (3, 3), (4, 4);
insert into f values (5, 5);
