create table parent (w int);
create type pair as (w int, h int);
create table child of pair;
create table was_typed (a int primary key, b text);
