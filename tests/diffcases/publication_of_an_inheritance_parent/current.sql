-- A publication of a table that has an inheritance child and of a partitioned table: made ONLY, as pg_dump
-- writes it, or the child made before it would become a member too.
create table invoice (id int primary key, total numeric);
create table invoice_archived (archived_at date) inherits (invoice);
create table events (id int, at date not null) partition by range (at);
create table events_2024 partition of events for values from ('2024-01-01') to ('2025-01-01');
