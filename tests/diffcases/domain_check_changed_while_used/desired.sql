create domain posint as integer constraint posint_check check (value > 0 and value < 1000000);
create type dims as (w posint, h posint);
create table t (id int primary key, n posint, b dims);
create function twice(x posint) returns integer language sql immutable return x * 2;
create view tv as select id, twice(n) as n2 from t;
