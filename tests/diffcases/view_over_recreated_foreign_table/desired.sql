create foreign data wrapper w;
create server s1 foreign data wrapper w options (host 'one');
create server s2 foreign data wrapper w options (host 'two');
create table local_kept (id int primary key);
create foreign table f (id int, note text) server s2 options (table_name 'remote');
create view fv as select id, note from f;
create view fv2 as select f.id from f join local_kept using (id);
comment on view fv is 'over the foreign table';
