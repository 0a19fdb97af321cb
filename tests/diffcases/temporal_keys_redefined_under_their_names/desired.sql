create extension if not exists btree_gist;
create table o (store int, film int, at daterange, constraint o_key unique (film, store, at without overlaps));
create table p (film int, at daterange, constraint p_pkey primary key (film, at));
create table q (film int, at daterange, constraint q_key unique (film, at without overlaps));
