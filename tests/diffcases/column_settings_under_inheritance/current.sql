-- A parent's column settings are its own: CREATE TABLE gives a child (inherited or a partition) the parent's
-- storage and compression, never its statistics target or n_distinct; the child's own settings may differ.
create table other (id int);
