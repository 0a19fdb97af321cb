insert into pt (id, a) select i, i from generate_series(1, 20) i;
insert into itc (id, a, b) select i, i, 1 from generate_series(1, 5) i;
