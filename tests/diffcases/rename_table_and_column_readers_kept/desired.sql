create table member (id int primary key, name text check (name <> ''));
create index person_nm on member (lower(name));
create view people as select id, name from member;
create view tagged as select member.id, 'person' as tag from member where member.name <> 'x';
