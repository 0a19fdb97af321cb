-- A parent's NOT NULL dropped while children keep theirs. An attached partition's (named on its own, but
-- inherited only: ATTACH makes it so) goes with the parent's and is added again after it; a child's own
-- (declared on it while the parent gives it too: conislocal, under its name or the parent's) outlives the drop
-- and is left alone, not added again for nothing.
create table q (id int, v int constraint q_v_nn not null) partition by list (id);
create table q1 partition of q for values in (1);
create table q2 (id int, v int constraint q2_own_nn not null);
alter table q attach partition q2 for values in (2);
create table q3 partition of q (constraint q3_own_nn not null v) for values in (3);
create table q4 partition of q for values in (4);
alter table q4 alter column v set not null;
create table p (id int, v int constraint p_v_nn not null);
create table f () inherits (p);
alter table f alter column v set not null;
