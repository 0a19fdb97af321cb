create table doc (id int primary key, owner text, body text);
create view my_docs as select id, body from doc where owner = current_user;
create view my_doc_ids as select id from my_docs;
