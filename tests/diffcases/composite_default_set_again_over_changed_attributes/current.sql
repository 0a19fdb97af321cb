-- a column default that is a constant of a composite type ('(1,1)'::dims) is stored in the type's shape: the
-- type's DROP / ADD ATTRIBUTE left it '(1,)' and the next diff set it again (found by the fuzzer with the
-- typed-table edits, session 25); set again after the type's ALTERs
create type dims as (w int, h int);
create table part (id int primary key, size dims default '(1,1)', sizes dims[] default array['(2,2)'::dims]);
create table box of dims (w with options default 0);
