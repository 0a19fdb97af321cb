create type span as range (subtype = numeric);
create table booking (id int, price span);
create table booking_extra (extra text) inherits (booking);
create table ledger (id int not null, price span) partition by range (id);
create table ledger_low partition of ledger for values from (0) to (100);
