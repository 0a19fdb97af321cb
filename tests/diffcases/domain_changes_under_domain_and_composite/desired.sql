create domain email as text check (value like '%@%.%');
create domain qty as int default 0 check (value >= 0) check (value < 1000000);
create domain code as varchar(20) constraint code_upper check (value = upper(value));
create domain code2 as code;
create type oline as (q qty, c code2);
create table t (id int primary key, e email, q qty, c code, c2 code2, l oline);
create function q_of(x qty) returns int language sql as 'select x';
