create table author (id int primary key, name text, title text);
create table book (id int primary key, author_id int references author (id), title text);
create view book_list as select b.id, b.title, a.name as author_name from book b join author a on a.id = b.author_id;
create view book_titles as select b.title, a.title as honorific from book b join author a on a.id = b.author_id;
create view book_pairs as select x.title, y.title as other_name from book x join book y on y.author_id = x.author_id;
create view book_plain as select book.id, author.name as by_name from book, author where author.id = book.author_id;
comment on view book_list is 'kept';
comment on column book_list.title is 'the title';
