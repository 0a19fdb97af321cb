-- A partitioned table's column retyped while partitions name their NOT NULLs otherwise, kept so on the desired
-- side: one its own (made PARTITION OF with its NOT NULL named, which PostgreSQL 18's type change refuses to
-- make again under the parent's), one attached (which the type change alone names as the parent's). Both held
-- around the type change and made again under their names; another partition follows the parent. Rows kept.
create table pt (id int, k int constraint pt_k not null) partition by list (id);
create table pt1 partition of pt (constraint pt1_own not null k) for values in (1);
create table pt2 (id int, k int constraint pt2_own not null);
alter table pt attach partition pt2 for values in (2);
create table pt3 partition of pt for values in (3);
