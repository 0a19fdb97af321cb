create type dims as (w int, h bigint);
create table item (id int, size dims);
create table child (extra text) inherits (item);
