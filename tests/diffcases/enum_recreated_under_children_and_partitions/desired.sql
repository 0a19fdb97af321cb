create type status as enum ('new', 'open', 'closed');
create table base (id int, s status not null default 'new');
create table kid (extra int) inherits (base);
create index kid_open on kid (id) where s = 'open';
alter table kid add constraint kid_not_closed check (s <> 'closed');
create table ev (id int, s status not null, at date not null) partition by range (at);
create table ev_1 partition of ev for values from ('2025-01-01') to ('2026-01-01');
create index ev_1_open on ev_1 (id) where s = 'open';
create index ev_new on ev (id) where s = 'new';
