create table doc (id int primary key, owner text, body text);
