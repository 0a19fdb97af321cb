-- An accepted column rename under views that keep their own column's name (the desired views say
-- `f.heading AS title`, as the server prints a view after ALTER TABLE ... RENAME COLUMN under it, pagila's
-- film_list): PostgreSQL follows the rename in them, so they are respelled and kept, not replaced. One reads
-- it first in its target list, one among others and with DISTINCT, one with a quoted name; one that reads it
-- in an expression already names its output.
create table film (id int primary key, title text, "Sub Title" text, length int);
create view film_list as select f.id, f.title, f.length from film f group by f.id, f.title, f.length;
create view titles as select distinct title from film;
create view quoted as select "Sub Title", id from film;
create view shouted as select upper(title) as loud from film;
