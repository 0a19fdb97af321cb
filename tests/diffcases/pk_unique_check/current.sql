create table t (id int primary key, a int unique, b int check (b > 0), c int, constraint c_chk check (c < 5));
