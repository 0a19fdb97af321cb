create access method heap2 type table handler heap_tableam_handler;
create table t (id int primary key) using heap2;
create table u (id int primary key);
insert into t values (1); insert into u values (2);
