create extension btree_gist;
create table slot (id int primary key, room int, during tstzrange, constraint no_overlap exclude using gist (room with =, during with &&));
create index slot_during on slot using gist (during);
create view busy as select room, during from slot where not isempty(during);
create table x (id int primary key, r numrange, m nummultirange, rs int8range[]);
