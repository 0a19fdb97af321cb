create table film (id int primary key);
