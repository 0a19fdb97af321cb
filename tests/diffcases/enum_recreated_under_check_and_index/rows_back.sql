insert into ticket select g, (array['new', 'open', 'closed'])[1 + g % 3]::status from generate_series(1, 30) g;
