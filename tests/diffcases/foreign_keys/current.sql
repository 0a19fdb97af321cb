create table p (id int primary key, k int unique); create table c (id int, p_id int references p, k int, q int references p);
