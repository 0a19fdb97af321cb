create table invoice (id int primary key, total numeric);

create table invoice_archived (archived_at date) inherits (invoice);
create table events (id int, at date not null) partition by range (at);
create table events_2024 partition of events for values from ('2024-01-01') to ('2025-01-01');
create publication billing for table only invoice, events with (publish_via_partition_root = true);
