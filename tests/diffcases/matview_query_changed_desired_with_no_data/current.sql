-- A materialized view whose query changed, with indexes, comments and a view over it, where the desired side
-- has it WITH NO DATA (a schema-only pg_dump writes every one so): re-created, it keeps the live data state
-- (data, not schema: neither the model nor the fingerprint compares it).
create table sale (id int primary key, region text, amount numeric);
create materialized view by_region as select region, sum(amount) as total from sale group by region;
create unique index by_region_pk on by_region (region);
create index by_region_total on by_region (total desc) where total > 0;
comment on materialized view by_region is 'totals';
comment on column by_region.total is 'sum';
create view top_region as select region from by_region order by total desc limit 1;
