create type pt as (x int, y int);
create domain dpt as pt check ((value).x > 0);
create domain dpt2 as dpt not null;
create table t (id int primary key, p dpt, p2 dpt2 default row(1, 1), q pt);
