create table keep (id int primary key);
create table doc (id int primary key, owner text);
create view visible_doc as select id from doc where owner = current_user;
alter table doc enable row level security;
create policy only_visible on doc using (id in (select id from visible_doc));
