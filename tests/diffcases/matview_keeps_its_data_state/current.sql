-- Materialized views re-created around a retyped column keep the live data state: one left WITH NO DATA on
-- purpose stays empty (populating it may take long), a populated one is filled again; a new one is created
-- as the desired file has it.
create table t (id int primary key, amount int);
create materialized view mv_empty as select id, amount from t with no data;
create materialized view mv_full as select id, amount from t;
create unique index mv_full_id on mv_full (id);
