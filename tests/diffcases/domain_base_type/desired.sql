create domain code as text check (value <> '');
create domain amount as bigint default 0;
create table item (id int primary key, c code not null, a amount, note text);
create index item_c on item (c);
create view item_codes as select id, c from item;
