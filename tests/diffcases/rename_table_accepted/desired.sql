create table clients (id int primary key, email text not null, name text);
