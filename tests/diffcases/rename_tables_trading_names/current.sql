-- Accepted table renames where names go round or along a chain: a and b trade names (the first through a
-- passing name, as indexes do), c takes d's name while d takes e's (d renamed first). A view reading both a
-- and b is respelled with both renames at once (one after the other, a became b and then a again), kept;
-- the foreign keys between them follow, and the keys trade names too.
create table a (id int primary key, v text);
create table b (id int primary key, a_id int references a (id), w int);
create table c (id int primary key);
create table d (id int primary key, x int);
create view ab as select a.v, b.w from a join b on b.a_id = a.id;
