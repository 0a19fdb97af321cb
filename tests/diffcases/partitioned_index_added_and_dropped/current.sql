-- An index made on a partitioned table, or dropped from it: PostgreSQL makes (or attaches) and drops each
-- partition's index with the parent's, and refuses to drop one attached on its own. So a partition's index is
-- dropped after its parent's drops (IF EXISTS: gone with them by then): the partition named before its parent,
-- a_p, had its DROP first and the plan failed. A partition's index of its own, not attached, is dropped too.
create table z (id int, v text, w text) partition by list (id);
create table a_p partition of z for values in (1);
create table z_p partition of z for values in (2);
create index a_p_w_own on a_p (w);
