-- Sequences in the same namespace as tables and indexes: a serial's sequence goes with its column, a primary
-- key renamed to a sequence's name that the plan drops, and a new sequence named as the key was.
create table t (id serial, a int, b int, constraint t_pk primary key (a));
create sequence s1;
