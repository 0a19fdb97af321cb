create table m (k int, v text) partition by list (k);
create table m1 partition of m default;
create table m2 partition of m for values in (3);
create table m3 partition of m for values in (2);
create table md partition of m for values in (4);
