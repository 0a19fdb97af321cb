insert into t select g, g, 'n' || g from generate_series(1,100) g;
refresh materialized view mv;
