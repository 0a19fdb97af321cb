create table events (id bigint, kind text not null) partition by list (kind);
create table events_click partition of events for values in ('click');
create table events_old partition of events default;
