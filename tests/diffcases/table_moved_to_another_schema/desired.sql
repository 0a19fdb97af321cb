create schema billing;
create table billing.invoices (id serial primary key, number text not null unique, total numeric);
create index invoices_total on billing.invoices (total);
create table lines (id int primary key, invoice_id int references billing.invoices);
