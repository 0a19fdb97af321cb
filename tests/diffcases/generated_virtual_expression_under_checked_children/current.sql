-- A virtual column's new expression on a partitioned parent and an inheritance parent whose partition or child
-- alone has a CHECK: PostgreSQL 18 refuses SET EXPRESSION down the tree as on the table itself, so the column is
-- dropped and added again on the parent (its children's with it).
create table pt (id int, a int, v int generated always as (a * 2)) partition by range (id);
create table pt1 partition of pt for values from (0) to (100);
alter table pt1 add constraint pt1_chk check (a >= 0);
create table it (id int, a int, v int generated always as (a * 2));
create table itc (b int, constraint itc_chk check (b > 0)) inherits (it);
