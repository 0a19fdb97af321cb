create table a (id int, at date, v text) partition by range (at); create table b (id int, at date, v text) partition by range (at); create table p1 (id int, at date);
