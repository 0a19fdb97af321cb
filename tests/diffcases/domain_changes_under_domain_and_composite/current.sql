-- Domains changed while a domain over one of them and a composite type hold them, with rows: a base type
-- widened (varchar(10) -> (20): the domain over it is re-created too), a CHECK changed, a default changed,
-- NOT NULL dropped and set again (refused like ADD CONSTRAINT while a composite column holds the domain).
create domain email as text check (value like '%@%');
create domain qty as int default 1 not null check (value >= 0);
create domain code as varchar(10) constraint code_upper check (value = upper(value));
create domain code2 as code;
create type oline as (q qty, c code2);
create table t (id int primary key, e email, q qty, c code, c2 code2, l oline);
create function q_of(x qty) returns int language sql as 'select x';
