create table t (id int primary key, n int);
create function doubled(x int) returns int language sql immutable return x * 2;
create materialized view t_doubled as select id, doubled(n) as n2 from t;
