insert into pt select g % 3 + 1, g from generate_series(1, 12) g;
