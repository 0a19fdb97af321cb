-- A table moved to another schema, accepted as a rename: one SET SCHEMA, which takes its indexes, constraints
-- and serial sequence along. Nothing is dropped, rebuilt or reset, and the foreign key into it stays.
create schema billing;
create table invoices (id serial primary key, number text not null unique, total numeric);
create index invoices_total on invoices (total);
create table lines (id int primary key, invoice_id int references invoices);
