create table t (id int primary key, n int);
create function score(x int) returns bigint language sql immutable return x + 1;
create view scored as select id, score(n) as s from t;
create view top_scored as select id from scored where s > 10;
