create domain d1 as int constraint d1_named not null;
create domain d2 as int not null;
create domain d3 as int constraint d3_two not null;
create domain d4 as int constraint d4_named not null;
create domain d5 as int not null constraint d5_a check (value > 0);
create domain d6 as int constraint d6_named not null;
create table t (id int, a d1, b d2, c d3, d d4, e d5);
