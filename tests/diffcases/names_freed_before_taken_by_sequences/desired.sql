create table t (a int, b int, constraint s1 primary key (a));
create table t_id_seq (z int);
create sequence t_pk;
