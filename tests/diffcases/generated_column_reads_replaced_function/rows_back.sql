insert into u (id, v) select g, g from generate_series(1, 10) g;
insert into u2 (id) select g from generate_series(1, 10) g;
