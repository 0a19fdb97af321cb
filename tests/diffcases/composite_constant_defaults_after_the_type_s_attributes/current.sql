-- a column added (or a table created) with a default constant of a composite type in its new shape ('(1,1,2)')
-- after the type's ADD ATTRIBUTE, which waits for a typed table's drop (found by the fuzzer, session 25)
create type dims as (w int, h int);
create table part (id int primary key);
create table box of dims;
