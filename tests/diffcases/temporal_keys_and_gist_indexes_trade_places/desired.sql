create extension if not exists btree_gist;
create table o (film int not null, at daterange not null, constraint o_key primary key (film, at without overlaps));
create table p (film int not null, at daterange not null);
create index p_pkey on p using gist (film, at);
create table r (film int, at daterange, constraint r_film_at unique (film, at without overlaps));
