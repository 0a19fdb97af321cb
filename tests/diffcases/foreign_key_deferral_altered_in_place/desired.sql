create table p (id int primary key, k int, constraint p_k_key unique (k));
create table c (id int primary key, pid int, pk int,
    constraint c_pid_fkey foreign key (pid) references p (id),
    constraint c_pk_fkey foreign key (pk) references p (k) deferrable initially deferred);
create table d (id int primary key, pid int, constraint d_pid_fkey foreign key (pid) references p (id) deferrable);
comment on constraint c_pid_fkey on c is 'its parent';
