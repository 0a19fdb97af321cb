create table t (a int, b int generated always as (a * 3) stored, c int, d int generated always as (a - 1) stored);
