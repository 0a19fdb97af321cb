-- The default partition handed to another table: the one the desired side drops goes before the other is
-- attached DEFAULT (PostgreSQL allows one default partition); back, the default detached before the new one
-- is made.
create table events (id bigint, kind text not null) partition by list (kind);
create table events_click partition of events for values in ('click');
create table events_rest partition of events default;
create table events_old (id bigint, kind text not null);
