create domain score as int
    constraint score_positive check (value > 0)
    constraint score_even check (value < 1000)
    constraint score_small check (value % 2 = 0)
    constraint score_lim check (value <> 9);
comment on constraint score_even on domain score is 'below a thousand';
create table t (id int primary key, s score);
