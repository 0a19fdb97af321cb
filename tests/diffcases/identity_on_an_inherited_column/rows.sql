insert into sys_log values (1, '2024-01-01', 'x');
insert into app_log values (2, '2024-01-01', 'y');
insert into ev_child values (3, '2024-01-01', 1);
