create extension cube;
create extension earthdistance;
create table place (id int, at point);
create index place_near on place using gist (ll_to_earth(at[0], at[1]));
