-- PostgreSQL 18's NOT NULL names on inheritance children and partitions: a child made with INHERITS or
-- PARTITION OF takes its parent's name, an attached table keeps its own, and while a parent gives the column a
-- NOT NULL the child's cannot be renamed. Forward: a parent's renamed, its child following; a table attached
-- under the name it wants renamed first; a partition detached to a table of its own renamed after its DETACH;
-- an attached partition's own name kept. Back: the other way round. Rows kept.
create table par (id int, a int constraint par_a not null, b int);
create table chi () inherits (par);
create table pt (id int, k int constraint pt_k not null) partition by list (id);
create table pt1 partition of pt for values in (1);
create table pt2 (id int, k int constraint pt2_own not null);
alter table pt attach partition pt2 for values in (2);
create table pt3 partition of pt for values in (3);
create table loose (id int, k int constraint loose_k not null);
