create table p1 (id int);
create table p2 (vin text);
create table c () inherits (p1, p2);
create table d (vin text) inherits (p1);
