-- Foreign keys alike but for when they are checked (DEFERRABLE, INITIALLY DEFERRED): ALTER CONSTRAINT changes
-- that in place, where a DROP and ADD would check every row again under a lock that blocks writes, the key
-- gone between. Each way between not deferrable, deferrable and deferred at commit, one referencing a unique
-- key rather than the primary key.
create table p (id int primary key, k int, constraint p_k_key unique (k));
create table c (id int primary key, pid int, pk int,
    constraint c_pid_fkey foreign key (pid) references p (id) deferrable initially deferred,
    constraint c_pk_fkey foreign key (pk) references p (k) deferrable);
create table d (id int primary key, pid int, constraint d_pid_fkey foreign key (pid) references p (id));
comment on constraint c_pid_fkey on c is 'its parent';
