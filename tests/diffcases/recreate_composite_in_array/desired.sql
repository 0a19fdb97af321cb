create type pair as (a int, b varchar(20));
create table t (id int primary key, pairs pair[], one pair);
