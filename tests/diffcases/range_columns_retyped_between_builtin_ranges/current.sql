-- Columns retyped from one built-in range type to another (tsrange -> tstzrange under an exclusion constraint,
-- a GiST index and a view; int4range -> numrange; multiranges; arrays of ranges), and back: no cast joins two
-- range types ("cannot cast type tsrange to tstzrange"), so the values go through their text form, which
-- reads back into the other type (a fractional bound refused by an integer range, loudly).
create extension btree_gist;
create table slot (id int primary key, room int, during tsrange, constraint no_overlap exclude using gist (room with =, during with &&));
create index slot_during on slot using gist (during);
create view busy as select room, during from slot where not isempty(during);
create table x (id int primary key, r int4range, m int4multirange, rs int4range[]);
