-- ALTER TABLE ... CLUSTER ON (the index a bare CLUSTER orders by): marked, moved to another index, unmarked,
-- kept on an index the plan rebuilds, and on a materialized view re-created around a retyped column.
create table a (id int primary key, at date, amount int);
create index a_at on a (at);
create index a_amount on a (amount);
create table b (id int primary key, at date);
alter table b cluster on b_pkey;
create table c (id int primary key, code text);
create index c_code on c (code);
alter table c cluster on c_code;
create materialized view mv as select id, amount from a;
create index mv_id on mv (id);
alter materialized view mv cluster on mv_id;
