-- Storage parameters of a key's index (ALTER INDEX t_pkey SET (fillfactor = 60), or UNIQUE ... WITH (...)):
-- the constraint's definition does not carry them; set, changed, reset, and on keys the plan makes.
create table t (id int primary key, code text);
create table u (id int, code text, constraint u_code_key unique (code) with (fillfactor = 80, deduplicate_items = off));
create table w (a int, b int, constraint w_pkey primary key (a));
create table x (r int4range, active bool, constraint x_r_excl exclude using gist (r with &&) where (active));
