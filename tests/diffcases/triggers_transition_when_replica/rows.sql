insert into t select g, g from generate_series(1, 10) g;
