create schema a; create schema b;
create table a.t (id int primary key, note text);
create table a.r (id int primary key, t_id int references a.t);
