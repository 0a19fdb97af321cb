create table q (id int, v int) partition by list (id);
create table q1 partition of q for values in (1);
create table q2 (id int, v int constraint q2_own_nn not null);
alter table q attach partition q2 for values in (2);
create table q3 partition of q (constraint q3_own_nn not null v) for values in (3);
create table q4 partition of q (constraint q_v_nn not null v) for values in (4);
create table p (id int, v int);
create table f () inherits (p);
alter table f add constraint p_v_nn not null v;
