create table t (id int); create unlogged table u (id int) with (fillfactor=70);
