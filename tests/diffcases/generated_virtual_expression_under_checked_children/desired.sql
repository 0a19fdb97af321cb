create table pt (id int, a int, v int generated always as (a * 3)) partition by range (id);
create table pt1 partition of pt for values from (0) to (100);
alter table pt1 add constraint pt1_chk check (a >= 0);
create table it (id int, a int, v int generated always as (a * 3));
create table itc (b int, constraint itc_chk check (b > 0)) inherits (it);
