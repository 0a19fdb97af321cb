create type pt as (a bigint, b text);
create table ptab of pt partition by list (a);
create table ptab1 partition of ptab for values in (1);
