create type status as enum ('new', 'old');
create table item (id int primary key, s status not null default 'new');
create view gone_items as select id from item where s = 'old';
create view item_status as select id, s from item;
