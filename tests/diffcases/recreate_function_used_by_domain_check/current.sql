create function f(x int) returns int language sql immutable return x;
create domain d as int constraint d_pos check (f(value) > 0) constraint d_small check (value < 100);
comment on constraint d_pos on domain d is 'positive by f';
create domain e as int constraint e_odd check (f(value) % 2 = 1);
create table t (id int primary key, v d, w e);
create function g(y int) returns int language sql immutable return f(y) + 1;
