insert into g (id, a, b, v3) select i, i, i * 10, i + 7 from generate_series(1, 20) i;
insert into h (id, a) select i, i from generate_series(1, 20) i;
insert into r (id, a) select i, i from generate_series(1, 20) i;
