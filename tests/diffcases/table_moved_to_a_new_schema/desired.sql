create schema billing;
comment on schema billing is 'money';
create table billing.invoices (id serial primary key, number text not null unique, total numeric);
create table lines (id int primary key, invoice_id int references billing.invoices);
