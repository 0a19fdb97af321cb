-- A column's planner options (ALTER COLUMN ... SET (n_distinct = ...), as Synapse sets on
-- state_groups_state.state_group): set, changed, reset, kept through a type change, on a new column and table.
create table st (id int primary key, grp bigint, room text, kind int, gone int);
alter table st alter column grp set (n_distinct = -0.02);
alter table st alter column room set (n_distinct = 500, n_distinct_inherited = 100);
alter table st alter column gone set (n_distinct = 3);
