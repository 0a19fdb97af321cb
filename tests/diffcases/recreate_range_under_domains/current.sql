create type fr as range (subtype = float8);
create domain dfr as fr check (not isempty(value));
create domain dfr2 as dfr not null;
create function w(x fr) returns float8 language sql immutable return upper(x) - lower(x);
create table t (id int primary key, r dfr, r2 dfr2 default '[1,2)', rs fr);
create view tv as select id, r, w(r) from t;
