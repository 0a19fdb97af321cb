-- A publication the desired side has no more, whose member table (an inheritance child it took along) is
-- dropped too: the publication is dropped as well, not thought gone with the table.
create table t (id int primary key);
create table c (extra text) inherits (t);
create publication p for table t;
