-- A table moved to a schema only the desired side has, accepted as a rename: the schema is made before the
-- SET SCHEMA that needs it (the renames run ahead of the plan), once, with its comment after.
create table invoices (id serial primary key, number text not null unique, total numeric);
create table lines (id int primary key, invoice_id int references invoices);
