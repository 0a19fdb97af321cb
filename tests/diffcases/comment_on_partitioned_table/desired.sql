create table payment (id int, paid date not null) partition by range (paid);
create table payment_2024 partition of payment for values from ('2024-01-01') to ('2025-01-01');
comment on table payment is 'every payment, by month';
comment on table payment_2024 is 'closed';
