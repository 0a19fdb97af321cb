create table t (id int primary key, code text);
alter index t_pkey set (fillfactor = 60);
create table u (id int, code text, constraint u_code_key unique (code) with (fillfactor = 90));
create table w (a int, b int, constraint w_pkey primary key (a, b) with (fillfactor = 70));
create table fresh (id int, constraint fresh_pkey primary key (id) with (fillfactor = 50));
create table x (r int4range, active bool, constraint x_r_excl exclude using gist (r with &&) with (fillfactor = 70) where (active));
