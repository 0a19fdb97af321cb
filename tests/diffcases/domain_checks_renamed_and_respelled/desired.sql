create type mood as enum ('sad', 'fine', 'happy');
create domain feeling as mood
    constraint feeling_not_fine check (value <> 'fine')
    constraint feeling_in_list check (value in ('sad', 'fine', 'happy'))
    constraint feeling_kept check (value <> 'fine' or value is not null);
create table t (id int primary key, f feeling);
