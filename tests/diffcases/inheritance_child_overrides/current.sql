create table parent (id int, a text default 'p');
