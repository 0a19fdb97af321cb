create table customers (id int primary key, email text not null, name text); insert into customers values (1, 'a@b', 'x');
