-- Virtual columns with a NOT NULL (one named) made plain columns, one with a DEFAULT: added STORED from the old
-- expression, the expression dropped (the values kept), the default set after; and back, a column with a
-- default made virtual NOT NULL.
create table n (id int primary key, a int, v int generated always as (a * 2) constraint v_needed not null, w int generated always as (a + 1) not null, d int default 5);
