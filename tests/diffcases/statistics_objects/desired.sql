create table t (a int, b int, c text);
create statistics s_ab (dependencies, ndistinct) on a, b from t;
create statistics s_expr on (a + b), c from t;
alter statistics s_expr set statistics 500;
comment on statistics s_ab is 'a and b';
