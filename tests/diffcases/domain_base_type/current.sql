create domain code as varchar(10) check (value <> '');
create domain amount as integer default 0;
create table item (id int primary key, c code not null, a amount, note text);
create index item_c on item (c);
create view item_codes as select id, c from item;
insert into item values (1, 'abc', 5, 'x');
