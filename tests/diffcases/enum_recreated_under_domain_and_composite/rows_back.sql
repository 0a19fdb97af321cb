insert into ticket select g, 'open', 'new', row('closed', g)::pair from generate_series(1, 30) g;
