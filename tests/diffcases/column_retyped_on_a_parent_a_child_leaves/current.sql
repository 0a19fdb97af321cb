-- A parent's column retyped while a child that has it from the parent leaves (NO INHERIT), the child's retyped
-- too: its own ALTER ... TYPE waits for its NO INHERIT (PostgreSQL: "cannot alter inherited column"). A
-- partition detached the same way, and a child that stays, reached by its parent's.
create table base_log (id int not null, at date);
create table sys_log (extra text) inherits (base_log);
create table app_log (msg text) inherits (base_log);
create table ledger (code int not null, n int) partition by range (code);
create table ledger_low partition of ledger for values from (0) to (100);
