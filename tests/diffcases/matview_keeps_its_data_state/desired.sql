create table t (id int primary key, amount bigint);
create materialized view mv_empty as select id, amount from t with no data;
create materialized view mv_full as select id, amount from t;
create unique index mv_full_id on mv_full (id);
create materialized view mv_new as select count(*) as n from t with no data;
