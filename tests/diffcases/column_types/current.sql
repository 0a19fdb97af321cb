create table t (a int, b text, c varchar(10), d numeric(10,2), e text, f int);
