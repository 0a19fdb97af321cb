-- A publication outlives its tables: a member table dropped (an inheritance child it took along) or made
-- again (a table made partitioned) takes only its membership. The publication is dropped when the desired
-- side has none, and made again when a member is made again, never left or made twice.
create table t (id int, at date not null);
create table u (id int primary key);
create table u_old (note text) inherits (u);
create publication p for table t, u;
