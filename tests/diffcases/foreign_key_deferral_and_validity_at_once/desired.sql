create table p (id int primary key, k int, constraint p_k_key unique (k));
create table c (id int primary key, pid int, pk int, qid int);
alter table c add constraint c_pid_fkey foreign key (pid) references p (id) deferrable initially deferred;
alter table c add constraint c_pk_fkey foreign key (pk) references p (k) deferrable;
alter table c add constraint c_qid_fkey foreign key (qid) references p (id) not valid;
comment on constraint c_pid_fkey on c is 'its parent';
