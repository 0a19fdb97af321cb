insert into q (id, a) select g, g from generate_series(1, 5) g;
