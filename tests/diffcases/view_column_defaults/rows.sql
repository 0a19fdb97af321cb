insert into t select g, g, 'n' || g from generate_series(1, 10) g;
