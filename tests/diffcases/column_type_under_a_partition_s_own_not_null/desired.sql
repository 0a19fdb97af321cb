create table pt (id int, k bigint constraint pt_k not null) partition by list (id);
create table pt1 partition of pt (constraint pt1_own not null k) for values in (1);
create table pt2 (id int, k bigint constraint pt2_own not null);
alter table pt attach partition pt2 for values in (2);
create table pt3 partition of pt for values in (3);
