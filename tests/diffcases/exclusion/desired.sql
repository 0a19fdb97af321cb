create extension btree_gist; create table r (id int, room int, during tstzrange, exclude using gist (room with =, during with &&) where (id > 0));
