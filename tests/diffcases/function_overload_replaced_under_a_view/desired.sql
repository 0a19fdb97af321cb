create function label(x int) returns varchar language sql immutable return 'i' || x;
create function label(x text, y text default '') returns text language sql immutable return 't' || x || y;
create table t (id int primary key, s text);
create view v as select label(id) as a, label(s) as b from t;
