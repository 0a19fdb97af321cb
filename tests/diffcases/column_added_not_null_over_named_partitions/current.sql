-- A NOT NULL column added to a partitioned table whose partitions, restored as pg_dump writes them (made apart,
-- then attached), name their NOT NULLs on their own: the parent's ADD COLUMN ... NOT NULL would name theirs as
-- its own, which the server then refuses to rename. Added nullable, each named partition's NOT NULL made under
-- its name, then the parent's, which keeps theirs. Back, the column's drop takes them all. Rows kept.
create table pay (id int, paid date not null) partition by range (paid);
create table pay_1 (id int, paid date not null);
alter table only pay attach partition pay_1 for values from ('2024-01-01') to ('2025-01-01');
create table pay_2 partition of pay for values from ('2025-01-01') to ('2026-01-01');
