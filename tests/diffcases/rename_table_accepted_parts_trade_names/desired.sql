create table clients (
    id int primary key,
    email text not null unique,
    name text,
    referred_by int constraint clients_referred_by_fkey references clients (id)
);
create index clients_name_idx on clients (name);
create table people (id int primary key, name text, email text);
create index customers_name_idx on people (name);
create unique index customers_email_key on people (email);
create table orders (id int primary key, customer_id int references clients);
comment on index clients_name_idx is 'by name';
