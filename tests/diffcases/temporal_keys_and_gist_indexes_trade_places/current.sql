-- WITHOUT OVERLAPS keys (PostgreSQL 18) and plain GiST indexes of their name trading places: a temporal unique key
-- made the primary key, a temporal primary key made a plain GiST index, a GiST index made a temporal unique key.
create extension if not exists btree_gist;
create table o (film int, at daterange, constraint o_key unique (film, at without overlaps));
create table p (film int not null, at daterange not null, constraint p_pkey primary key (film, at without overlaps));
create table r (film int, at daterange);
create index r_film_at on r using gist (film, at);
