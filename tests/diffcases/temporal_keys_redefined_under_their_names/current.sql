-- Keys redefined under their names where one side is WITHOUT OVERLAPS (PostgreSQL 18): a temporal unique key over
-- its columns reordered, a temporal primary key made plain, a plain unique key made temporal. Their GiST index
-- cannot be built UNIQUE beside the old key and handed over USING INDEX: each is dropped and added again.
create extension if not exists btree_gist;
create table o (store int, film int, at daterange, constraint o_key unique (store, film, at without overlaps));
create table p (film int, at daterange, constraint p_pkey primary key (film, at without overlaps));
create table q (film int, at daterange, constraint q_key unique (film, at));
