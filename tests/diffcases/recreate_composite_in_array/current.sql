create type pair as (a int, b text);
create table t (id int primary key, pairs pair[], one pair);
