create table t (b text, a int, c int);
