-- A parameter default removed: CREATE OR REPLACE refuses ("cannot remove parameter defaults from existing
-- function"), so the function is dropped and created again, and the view calling it with it.
create function add_to(a int, b int default 1, "c D" text default 'x(, DEFAULT') returns int language sql immutable
    as 'select a + b';
create view sums as select add_to(1, 2, 'y') as s;
