create table ev (id int, plan int, at int) partition by list (at);
create table ev1 partition of ev for values in (1);
create table ev2 (id int, plan int, at int);
create table ev3 (id int, plan_id int, at int);
create table par (id int, text text);
create table chi (id int, text text);
create table chi2 (id int, body text);
