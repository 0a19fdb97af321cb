insert into a select g, date '2025-01-01' + g, g from generate_series(1, 20) g;
insert into b select g, null from generate_series(1, 5) g;
insert into c select g, 'c' || g from generate_series(1, 5) g;
refresh materialized view mv;
insert into fresh values (1);
