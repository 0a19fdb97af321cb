create table clients (id serial primary key, email text not null unique, name text);
create index clients_name_idx on clients (name);
create table orders (id int primary key, customer_id int references clients);
