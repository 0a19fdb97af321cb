create table t (id int primary key, n int);
create view base as select id, n::bigint as n from t;
create materialized view mv as select id, n from base;
create unique index mv_id on mv (id);
create index mv_n on mv (n) where n > 0;
comment on materialized view mv is 'the summary';
comment on column mv.n is 'the count';
