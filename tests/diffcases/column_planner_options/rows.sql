insert into st select g, g / 10, 'r' || g, g % 3, g from generate_series(1, 20) g;
