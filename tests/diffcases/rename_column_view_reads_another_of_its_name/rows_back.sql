insert into author values (1, 'Ann', 'Dr');
insert into book (id, author_id, title) values (1, 1, 'One'), (2, 1, 'Two');
