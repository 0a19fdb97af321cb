insert into sys_log values (2, '2024-01-02', 'e');
insert into app_log values (3, '2024-01-03', 'm');
