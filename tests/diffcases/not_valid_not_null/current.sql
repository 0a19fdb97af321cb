-- PostgreSQL 18's NOT NULL ... NOT VALID: attnotnull is set (new rows are checked) but the rows already there
-- are not. Forward: one added NOT VALID on a column holding NULLs (SET NOT NULL would fail on them), one
-- validated (VALIDATE CONSTRAINT, not SET NOT NULL's ACCESS EXCLUSIVE), one dropped, a new table and a new
-- column with one (CREATE TABLE ignores NOT VALID: it is added after). Back, the validated one is kept valid
-- (valid_constraints_kept_where_not_valid_desired).
create table added (id int primary key, c int);
create table validated (id int primary key, c int);
alter table validated add constraint validated_c_nn not null c not valid;
create table dropped (id int primary key, c int);
alter table dropped add constraint dropped_c_nn not null c not valid;
create table grown (id int primary key);
