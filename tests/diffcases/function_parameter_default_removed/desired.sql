create function add_to(a int, b int, "c D" text default 'x(, DEFAULT') returns int language sql immutable
    as 'select a + b';
create view sums as select add_to(1, 2, 'y') as s;
