create table parent (id int, a text, c int not null default 0); create table child (b int, d int) inherits (parent); create table other (x int) inherits (parent); create table loner (id int);
