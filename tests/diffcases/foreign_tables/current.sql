create foreign data wrapper w;
create server s1 foreign data wrapper w options (host 'one');
create server s2 foreign data wrapper w options (host 'two');
create table local_kept (id int primary key);
insert into local_kept values (1), (2);
create foreign table f_kept (id int options (column_name 'remote_id'), note text, gone int)
  server s1 options (schema_name 'remote', table_name 'kept');
create foreign table f_moves (id int) server s1 options (table_name 'moves');
create foreign table f_gone (id int) server s2;
comment on foreign table f_kept is 'kept';
