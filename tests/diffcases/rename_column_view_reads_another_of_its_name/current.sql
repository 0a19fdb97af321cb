-- An accepted column rename under views that also read another table's column of the old name (or of the
-- new one): only the renamed table's column is respelled (its alias's), so the views are kept and their own
-- column renamed with ALTER VIEW ... RENAME COLUMN, not dropped and made again (their grants, comments and
-- readers lost, or CREATE OR REPLACE refused for a renamed column). book.name becomes book.title: one view
-- reads author.name beside it, one author.title, one joins book to itself.
create table author (id int primary key, name text, title text);
create table book (id int primary key, author_id int references author (id), name text);
create view book_list as select b.id, b.name, a.name as author_name from book b join author a on a.id = b.author_id;
create view book_titles as select b.name, a.title as honorific from book b join author a on a.id = b.author_id;
create view book_pairs as select x.name, y.name as other_name from book x join book y on y.author_id = x.author_id;
create view book_plain as select book.id, author.name as by_name from book, author where author.id = book.author_id;
comment on view book_list is 'kept';
comment on column book_list.name is 'the title';
