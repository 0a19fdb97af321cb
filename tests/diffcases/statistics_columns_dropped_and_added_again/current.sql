create table t (a int, b int, c int);
create statistics st on a, b from t;
create statistics st2 on b, c from t;
