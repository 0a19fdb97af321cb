create table t (id int primary key, n int);
create view base as select id, n::bigint as n from t;
create view top as select id, n from base where n > 1;
create view top2 as select count(*) as c from top;
