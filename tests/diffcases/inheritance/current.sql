create table parent (id int, a text); create table child (b int) inherits (parent); create table other (id int);
