create table t (id int, a int, b int check (b > 1), c int, constraint t_pk primary key (id, a), constraint ab_uq unique nulls not distinct (a, b), constraint c_chk check (c < 10) not valid);
