create table t (id int primary key, y int, x text, d int, e int, constraint t_xy check (y > 0 or x <> ''));
create index t_x_c on t (y, d);
create view tv as select y as x, x as y, e as d from t;
