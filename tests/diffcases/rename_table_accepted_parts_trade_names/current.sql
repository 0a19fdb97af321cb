-- An accepted table rename whose indexes and keys take names that another table's indexes hold, while
-- those take theirs (one namespace of indexes per schema): renamed in place through the same swap as any
-- index or constraint renamed (part_renames, a passing name for the head of a circle), after the table's
-- rename, not dropped and built again nor renamed onto a name still taken. The renamed table's own foreign
-- key onto itself is renamed too (its text names the table), and an index's comment stays.
create table customers (
    id int primary key,
    email text not null unique,
    name text,
    referred_by int constraint customers_referred_by_fkey references customers (id)
);
create index customers_name_idx on customers (name);
create table people (id int primary key, name text, email text);
create index clients_name_idx on people (name);
create unique index clients_email_key on people (email);
create table orders (id int primary key, customer_id int references customers);
comment on index customers_name_idx is 'by name';
