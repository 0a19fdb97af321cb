create table ev (id bigint, at date not null, region bigint not null, v text) partition by range (at);
create table ev_2024 partition of ev for values from ('2024-01-01') to ('2025-01-01') partition by list (region);
create table ev_2024_r1 partition of ev_2024 for values in (1);
create table ev_2024_rest partition of ev_2024 default;
create table ev_other partition of ev default;
create index ev_at on ev (at);
create unique index ev_key on ev (id, at, region);
