-- A partitioned table's serial column made an identity column. A partition made apart and attached, as
-- pg_dump writes them, holds the serial's default as its own, and refuses the identity the parent's ADD
-- GENERATED hands down while it keeps it: its DROP DEFAULT runs first. Back, the identity dropped and the
-- serial's default set.
create table pay (id serial, paid date not null, amount numeric) partition by range (paid);
create table pay_2024 (id integer default nextval('pay_id_seq'::regclass) not null, paid date not null, amount numeric);
alter table only pay attach partition pay_2024 for values from ('2024-01-01') to ('2025-01-01');
create table pay_later partition of pay default;
