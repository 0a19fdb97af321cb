-- a partitioned typed table whose key is retyped by its type (ALTER ATTRIBUTE ... CASCADE refuses a key column):
-- the table made again after the type, its partition detached, retyped and attached again, rows kept
create type pt as (a int, b text);
create table ptab of pt partition by list (a);
create table ptab1 partition of ptab for values in (1);
