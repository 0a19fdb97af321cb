insert into t select g, g from generate_series(1, 30) g;
refresh materialized view mv_full;
