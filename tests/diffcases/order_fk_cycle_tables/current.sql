create table keep (id int primary key);
create table author (id int primary key, best_book int);
create table book (id int primary key, author_id int references author);
alter table author add constraint author_best_book_fk foreign key (best_book) references book;
