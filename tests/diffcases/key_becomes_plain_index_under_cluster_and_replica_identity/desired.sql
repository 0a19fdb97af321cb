create table a (id int not null, code text not null);
create unique index a_code_key on a (code);
alter table a cluster on a_code_key;
create table b (id int not null, code text not null);
create unique index b_code_key on b (code);
alter table b replica identity using index b_code_key;
create table c (id int not null, v text);
create unique index c_id on c (id);
alter table c cluster on c_id;
