create table added (id int primary key, c int);
alter table added add constraint added_c_nn not null c not valid;
create table validated (id int primary key, c int not null);
create table dropped (id int primary key, c int);
create table grown (id int primary key, c int);
alter table grown add constraint grown_c_nn not null c not valid;
create table fresh (id int primary key, c int);
alter table fresh add constraint fresh_c_nn not null c not valid;
