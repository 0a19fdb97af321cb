create type status as enum ('new', 'old', 'gone');
create table item (id int primary key, s status not null default 'gone');
create view gone_items as select id from item where s = 'gone';
create view item_status as select id, s from item;
