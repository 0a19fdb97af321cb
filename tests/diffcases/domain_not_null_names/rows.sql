insert into t select g, g, g, g, g, g from generate_series(1, 5) g;
