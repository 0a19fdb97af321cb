-- An accepted column rename on a partitioned table and on an inheritance parent: RENAME COLUMN reaches the
-- partitions (a sub-partition too) and the children, so nothing is dropped or added on them.
create table events (id bigint, plan_id bigint, at date not null) partition by range (at);
create table events_2024 partition of events for values from ('2024-01-01') to ('2025-01-01') partition by hash (id);
create table events_2024_0 partition of events_2024 for values with (modulus 1, remainder 0);
create table events_rest partition of events default;
create table notes (id int, body text);
create table notes_archived (archived_at date) inherits (notes);
