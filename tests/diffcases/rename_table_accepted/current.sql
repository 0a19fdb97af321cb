create table customers (id serial primary key, email text not null unique, name text);
create index customers_name_idx on customers (name);
create table orders (id int primary key, customer_id int references customers);
insert into customers (email, name) values ('a@b', 'x');
