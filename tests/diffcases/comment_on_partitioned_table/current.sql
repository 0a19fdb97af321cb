-- A partitioned table's comment changed or added while the table is kept: COMMENT ON TABLE (the statement has
-- no PARTITIONED TABLE), on the parent and on a partition.
create table payment (id int, paid date not null) partition by range (paid);
create table payment_2024 partition of payment for values from ('2024-01-01') to ('2025-01-01');
comment on table payment is 'old';
