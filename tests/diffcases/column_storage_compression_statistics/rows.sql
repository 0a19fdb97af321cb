insert into s select g, 'b' || g, '{}', g, g, 'p' from generate_series(1, 10) g;
