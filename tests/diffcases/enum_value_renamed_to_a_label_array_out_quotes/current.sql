-- An enum value renamed in place to a label array_out must quote and escape (a quote, a backslash, a comma,
-- braces, a space; a single quote doubled in the constant): the array constants that spell it are respelled as
-- the server prints them, so the CHECK and the partial index are kept, not rebuilt.
create type mood as enum ('a', 'meh');
create table t (id int primary key, ms mood[], check (ms <> '{meh,a}' and ms <> '{{a,NULL},{meh,meh}}'));
create index t_meh on t (id) where ms && '{meh}';
