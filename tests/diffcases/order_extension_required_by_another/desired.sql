create table place (id int, at point);
