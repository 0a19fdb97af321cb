-- Accepted column renames where names go round or along a chain: x and y trade names (the first through a
-- passing name), c takes d's name while d takes e's (d renamed first). Accepted as they came, the first
-- RENAME COLUMN failed (column already exists), and what reads both was respelled one rename after the other.
-- An index, a CHECK and a view reading them are kept; the view keeps its own columns' names.
create table t (id int primary key, x int, y text, c int, d int, constraint t_xy check (x > 0 or y <> ''));
create index t_x_c on t (x, c);
create view tv as select x, y, d from t;
