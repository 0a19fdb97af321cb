-- Generated columns, virtual and stored, given another type and another expression at once: neither ALTER can go
-- first (SET EXPRESSION gives the old type a text value, TYPE computes the old expression into the new type), so
-- each is dropped and added again (a stored one rewritten once).
create table q (id int primary key, a int, v int generated always as (a * 2), s int generated always as (a * 3) stored);
