insert into t select g, g, 'n' || g, 'x' from generate_series(1,100) g;
refresh materialized view mv;
