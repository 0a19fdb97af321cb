create schema sales;
create table t (id int primary key, a int, b text);
create table u (id int primary key);
create table sales.orders (id int primary key);
insert into t values (1, 1, 'kept');
create publication p_tables for table t, u;
create publication p_gone for table u with (publish = 'insert');
create publication p_schema for tables in schema sales;
