-- A table and one of its columns renamed (accepted): the views reading them (one naming the table as a
-- qualifier, one whose own column is named after the renamed one) and an expression index follow the renames
-- in place; a string spelling the table's name is not touched.
create table person (id int primary key, nm text check (nm <> ''));
create index person_nm on person (lower(nm));
create view people as select id, nm from person;
create view tagged as select person.id, 'person' as tag from person where person.nm <> 'x';
