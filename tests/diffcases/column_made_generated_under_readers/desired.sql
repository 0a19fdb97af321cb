create table item (id int primary key, qty int, price numeric, total numeric generated always as (qty * price) stored, label text generated always as ('#' || id) stored);
create index item_total on item (total);
create index item_big on item (id) where total > 1000;
alter table item add constraint total_pos check (total >= 0);
create view big_items as select id, total from item where total > 100;
create function item_total(i item) returns numeric language sql stable return i.total;
