create table t (a int, b int, c text);
insert into t select i, i % 10, 'x' from generate_series(1, 20) i;
create statistics s_ab (dependencies) on a, b from t;
create statistics s_gone on a, c from t;
comment on statistics s_ab is 'a and b';
