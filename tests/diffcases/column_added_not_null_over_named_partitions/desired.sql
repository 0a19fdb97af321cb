create table pay (id int, amt numeric not null default 0, paid date not null) partition by range (paid);
create table pay_1 (id int, amt numeric not null default 0, paid date not null);
alter table only pay attach partition pay_1 for values from ('2024-01-01') to ('2025-01-01');
create table pay_2 partition of pay for values from ('2025-01-01') to ('2026-01-01');
