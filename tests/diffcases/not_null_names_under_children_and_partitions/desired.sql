create table par (id int, a int constraint par_a_renamed not null, b int);
create table chi () inherits (par);
create table pt (id int, k int constraint pt_k not null) partition by list (id);
create table pt1 partition of pt for values in (1);
create table pt2 (id int, k int constraint pt2_own not null);
alter table pt attach partition pt2 for values in (2);
create table pt3 (id int, k int not null);
create table loose (id int, k int constraint loose_own not null);
alter table pt attach partition loose for values in (4);
