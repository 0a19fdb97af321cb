insert into d (note) select 'x' from generate_series(1, 30);
