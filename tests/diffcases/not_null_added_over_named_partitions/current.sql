-- A NOT NULL added to a partitioned table's column whose partitions, restored as pg_dump writes them (made
-- apart, then attached), name theirs on their own: each partition's is made first under its name, which the
-- parent's SET NOT NULL then keeps (it would name them as the parent's, and an inherited NOT NULL cannot be
-- renamed). Back, the parent's DROP NOT NULL takes them all.
create table pay (id int, amt numeric, paid date not null) partition by range (paid);
create table pay_1 (id int, amt numeric, paid date not null);
alter table only pay attach partition pay_1 for values from ('2024-01-01') to ('2025-01-01');
create table pay_2 partition of pay for values from ('2025-01-01') to ('2026-01-01');
