create table ledger (code int not null, at date not null) partition by range (code);
create table ledger_low partition of ledger for values from (0) to (100);
create index ledger_at on ledger (at);
create index ledger_abs on ledger (abs(code));
alter table ledger rename column at to booked_at;
create table ledger_rest partition of ledger default;
-- as pg_dump writes a partition: made apart, its index under its own name, then attached
create table ledger_mid (code int not null, booked_at date not null);
create index ledger_mid_by_day on ledger_mid (booked_at);
create index ledger_mid_by_abs on ledger_mid (abs(code));
alter table ledger attach partition ledger_mid for values from (100) to (200);
-- made after the rename: the index's column is named booked_at, and so is the partition's copy
create table journal (code int not null, booked_at date) partition by list (code);
create table journal_1 partition of journal for values in (1);
create index journal_at on journal (booked_at);
create table journal_2 partition of journal for values in (2);
