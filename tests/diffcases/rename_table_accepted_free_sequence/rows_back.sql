insert into languages (name) values ('en'), ('it');
