create table ledger (code int not null, amount numeric) partition by range (code);
create table ledger_low partition of ledger for values from (0) to (100);
create table ledger_mid partition of ledger for values from (100) to (500);
create table ledger_high partition of ledger for values from (500) to (1000);
create table ledger_new partition of ledger for values from (1000) to (3000);
