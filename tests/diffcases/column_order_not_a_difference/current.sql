create table t (a int, b text);
