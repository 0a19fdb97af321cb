insert into s select g, 'b' || g, '{}', g, g, 'p', 'a' from generate_series(1, 10) g; insert into fresh values (1, 'd');
