insert into parent select g, 'c' || g, g % 3 from generate_series(1, 20) g;
insert into child select g, 'c' || g, g % 3, g, 'n' from generate_series(1, 20) g;
insert into child values (100, null, null, null, repeat('x', 200));
insert into booking select g, g, tstzrange(now() + g * interval '1 day', now() + (g + 1) * interval '1 day') from generate_series(1, 10) g;
insert into v (id, a) select g, g from generate_series(1, 10) g;
insert into nn select g, g from generate_series(1, 10) g;
