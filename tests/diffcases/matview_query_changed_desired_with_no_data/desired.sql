create table sale (id int primary key, region text, amount numeric);
create materialized view by_region as select region, sum(amount) as total, count(*) as n from sale group by region with no data;
create unique index by_region_pk on by_region (region);
create index by_region_total on by_region (total desc) where total > 0;
comment on materialized view by_region is 'totals and counts';
comment on column by_region.total is 'sum';
create view top_region as select region from by_region order by total desc limit 1;
