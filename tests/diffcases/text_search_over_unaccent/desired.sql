create table artist (id int primary key, name text not null);
