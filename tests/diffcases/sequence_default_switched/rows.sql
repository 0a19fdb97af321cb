insert into c (note) select 'c' from generate_series(1, 5);
insert into d (id, note) select g, 'd' from generate_series(1, 20) g;
insert into e (id, note) select g, 'e' from generate_series(1, 20) g;
