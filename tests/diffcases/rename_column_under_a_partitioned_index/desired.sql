create table ledger (code int not null, at date not null) partition by range (code);
create table ledger_low partition of ledger for values from (0) to (100);
create table ledger_high partition of ledger for values from (100) to (1000);
create index ledger_at on ledger (at);
alter table ledger rename column at to booked_at;
