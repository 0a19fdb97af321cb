insert into par select g, g, g from generate_series(1, 5) g;
insert into chi select g, g, g from generate_series(6, 10) g;
insert into pt select g % 2 + 1, g from generate_series(1, 12) g;
insert into pt select 4, g from generate_series(1, 5) g;
insert into pt3 select 3, g from generate_series(1, 5) g;
