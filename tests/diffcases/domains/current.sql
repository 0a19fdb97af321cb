create domain posint as integer check (value > 0); create domain gone as text; create table t (a posint);
