create schema sales;
create table t (id int primary key, a int, b text);
create table u (id int primary key);
create table sales.orders (id int primary key);
create publication p_tables for table t (id, a) where (a > 0), table u with (publish = 'insert, update', publish_via_partition_root = true);
create publication p_schema for tables in schema sales, table t;
create publication p_all for all tables;
comment on publication p_all is 'everything';
