-- Foreign keys whose deferral and validity change at once: ALTER CONSTRAINT for when it is checked, then
-- VALIDATE CONSTRAINT (a lock that lets writes on) where NOT VALID becomes valid; kept valid and said where
-- valid becomes NOT VALID. Never DROP and ADD: every row checked again under a lock that blocks writes, the
-- key gone between, its comment lost.
create table p (id int primary key, k int, constraint p_k_key unique (k));
create table c (id int primary key, pid int, pk int, qid int);
alter table c add constraint c_pid_fkey foreign key (pid) references p (id) not valid;
alter table c add constraint c_pk_fkey foreign key (pk) references p (k) deferrable initially deferred not valid;
alter table c add constraint c_qid_fkey foreign key (qid) references p (id) deferrable;
comment on constraint c_pid_fkey on c is 'its parent';
