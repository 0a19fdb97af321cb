create type pt as (a int, b varchar(20), c int);
create table ptab of pt (b with options not null) partition by list (a);
create table ptab1 partition of ptab for values in (1);
create table ptab2 partition of ptab for values in (2);
