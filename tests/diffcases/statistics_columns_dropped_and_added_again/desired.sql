create table t (a int, c int);
create statistics st2 (dependencies) on a, c from t;
