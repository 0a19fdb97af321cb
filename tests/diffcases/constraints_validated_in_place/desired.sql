create domain pos as int constraint pos_check check (value > 0);
create table owner (id int primary key);
create table t (
    id int,
    p pos,
    owner_id int,
    constraint t_id_check check (id > 0),
    constraint t_owner_fkey foreign key (owner_id) references owner (id)
);
comment on constraint pos_check on domain pos is 'positive';
comment on constraint t_id_check on t is 'positive id';
comment on constraint t_owner_fkey on t is 'its owner';
