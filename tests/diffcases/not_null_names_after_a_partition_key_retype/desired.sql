-- made from current as a migration would: the partition's NOT NULL on cid is then the parent's name
create table pay (id int, cid int not null, paid date not null) partition by range (paid);
create table pay_1 (id int, cid int not null, paid date not null);
alter table only pay attach partition pay_1 for values from ('2024-01-01') to ('2025-01-01');
create table pay_2 (id int, cid int not null, paid date not null);
alter table only pay attach partition pay_2 for values from ('2025-01-01') to ('2026-01-01');
alter table pay detach partition pay_2;
alter table pay alter column cid type bigint;
