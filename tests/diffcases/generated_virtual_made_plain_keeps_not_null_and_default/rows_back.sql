insert into n (id, a, v, w) select g, g, g, g from generate_series(1, 5) g;
