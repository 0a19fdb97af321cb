-- A partition made under a partitioned index whose column was renamed since the index was made (long ago, or
-- by a rename accepted in the same plan): PostgreSQL names the new partition's copy of the index after the
-- index's own column names, which keep the name the column had when the index was made (ledger_rest_at_idx,
-- not ledger_rest_booked_at_idx; an expression's is named `abs`), and the plan renames that copy where the
-- desired side names it otherwise, never building a second index beside it.
create table ledger (code int not null, at date not null) partition by range (code);
create table ledger_low partition of ledger for values from (0) to (100);
create index ledger_at on ledger (at);
create index ledger_abs on ledger (abs(code));
alter table ledger rename column at to booked_at;
create table journal (code int not null, at date) partition by list (code);
create table journal_1 partition of journal for values in (1);
create index journal_at on journal (at);
