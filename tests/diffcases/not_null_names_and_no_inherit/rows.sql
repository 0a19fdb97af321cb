insert into t select g, g, g, g, g, g, g from generate_series(1, 10) g;
insert into numbered select g from generate_series(1, 10) g;
