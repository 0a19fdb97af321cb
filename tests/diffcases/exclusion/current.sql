create extension btree_gist; create table r (id int, room int, during tstzrange);
