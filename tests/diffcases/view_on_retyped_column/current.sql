create table t (a int, b int); create view v as select a + 1 as a1, b from t; create view vv as select a1 from v;
