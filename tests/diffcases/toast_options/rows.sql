insert into t select g, 'x' from generate_series(1, 10) g;
insert into u select g, 'x' from generate_series(1, 10) g;
