-- A plain column made generated (and back), another from virtual to stored: no ALTER does either, so the
-- column is dropped and added again, and what reads it goes first and comes back: a view, a function over the
-- row type, a CHECK, an index over it and one whose predicate reads it (PostgreSQL drops both with the
-- column). Back, DROP EXPRESSION keeps the values in place.
create table item (id int primary key, qty int, price numeric, total numeric, label text generated always as ('#' || id) virtual);
create index item_total on item (total);
create index item_big on item (id) where total > 1000;
alter table item add constraint total_pos check (total >= 0);
create view big_items as select id, total from item where total > 100;
create function item_total(i item) returns numeric language sql stable return i.total;
