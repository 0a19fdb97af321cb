insert into st select g, g / 10, 'r' || g, g % 3, g, 'a' from generate_series(1, 20) g; insert into fresh values (1, 'd');
