-- Tables, views, sequences and indexes share one namespace per schema (an index backing a key bears its
-- constraint's name there): a name the plan frees is taken again only after it is free. pg_depend links none
-- of these pairs.
-- An index renamed to the name of an index whose table is dropped.
create table t1 (a int, b int);
create index t1_a_old on t1 (a);
create table gone (b int);
create index t1_a on gone (b);
-- An index renamed to a new name, its old name taken by a new table's index.
create table t2 (a int);
create index t2_a on t2 (a);
-- A unique constraint renamed to the name of a table the plan drops.
create table t3 (a int, constraint t3_key unique (a));
create table t3_a_key (c int);
-- An index named as a dropped table and a view.
create table t4 (a int, b int);
create table t4_a (c int);
create view t4_b as select c from t4_a;
-- A name on both sides, on another column: built again under it (only names one side lacks pair as renames).
create table t5 (a int, b int);
create index t5_x on t5 (a);
create index t5_y on t5 (b);
