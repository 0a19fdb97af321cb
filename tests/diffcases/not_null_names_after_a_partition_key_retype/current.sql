-- A partitioned table restored as pg_dump writes it (partitions made apart, their NOT NULLs under their own
-- names, then attached) whose column is retyped: ALTER COLUMN ... TYPE on the parent makes each partition's
-- NOT NULL again under the parent's name (PostgreSQL 18), so the plan renames nothing after it; a partition
-- the desired side detaches is detached first and keeps its own. The way back gives the attached partition its
-- own name again, which no RENAME can while it is attached: its parent's NOT NULL is held around the type change
-- and the partition's made again under its name first, which the parent's ADD then merges with.
create table pay (id int, cid int not null, paid date not null) partition by range (paid);
create table pay_1 (id int, cid int not null, paid date not null);
alter table only pay attach partition pay_1 for values from ('2024-01-01') to ('2025-01-01');
create table pay_2 (id int, cid int not null, paid date not null);
alter table only pay attach partition pay_2 for values from ('2025-01-01') to ('2026-01-01');
