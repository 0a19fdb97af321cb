insert into base_log values (1, 'a');
insert into sys_log values (2, 'b');
insert into app_log values (3, 'e');
insert into pp values (1, 'c'), (2, 'd');
