create table film (id int primary key, pr varchar(20));
