create type fresh as (a int, b text, c date);
create table new_boxes of fresh (
    a with options primary key,
    b with options not null default 'x',
    check (c > '2000-01-01')
);
create table parted of fresh (b with options not null) partition by list (b);
create table parted_x partition of parted for values in ('x');
create table keeper (id int primary key);
