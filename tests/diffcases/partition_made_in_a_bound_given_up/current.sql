-- A partition the plan makes takes a bound another gives up: part of a kept partition's old bound (a partition
-- split), or the bound of one the plan drops. PostgreSQL refuses overlapping partitions: the new one is made
-- after the kept one is detached, and after the dropped one is gone; back, the same.
create table ledger (code int not null, amount numeric) partition by range (code);
create table ledger_low partition of ledger for values from (0) to (100);
create table ledger_high partition of ledger for values from (100) to (1000);
create table ledger_old partition of ledger for values from (1000) to (2000);
