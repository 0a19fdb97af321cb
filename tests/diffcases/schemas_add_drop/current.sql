create schema old_s; create table old_s.t (id int);
