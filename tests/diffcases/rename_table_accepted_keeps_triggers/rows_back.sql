insert into log (what) values ('before');
