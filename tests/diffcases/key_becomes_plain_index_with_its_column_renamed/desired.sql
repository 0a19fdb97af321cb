create table b (id int not null, label int);
create index b_code_key on b (label);
