-- An accepted column rename on a partitioned table whose partitioned index reads the column: RENAME COLUMN
-- renames it in every partition, and the partitions' indexes (attached to the parent's) read the new name
-- under their old names; nothing else to do (they cannot be dropped while attached).
create table ledger (code int not null, at date not null) partition by range (code);
create table ledger_low partition of ledger for values from (0) to (100);
create table ledger_high partition of ledger for values from (100) to (1000);
create index ledger_at on ledger (at);
