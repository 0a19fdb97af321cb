insert into language (name) values ('en'), ('it'), ('fr');
delete from language where name = 'fr';
insert into odd values (default), (default);
insert into w values (default);
