-- A range type made again while an inheritance child and a partition have a column of it from their parent:
-- the parent's ALTER COLUMN ... TYPE text reaches them (PostgreSQL refuses it on an inherited column), and so
-- does the way back to the new type.
create type span as range (subtype = float8, subtype_diff = float8mi);
create table booking (id int, price span);
create table booking_extra (extra text) inherits (booking);
create table ledger (id int not null, price span) partition by range (id);
create table ledger_low partition of ledger for values from (0) to (100);
