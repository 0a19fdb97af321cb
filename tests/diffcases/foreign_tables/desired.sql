create foreign data wrapper w;
create server s1 foreign data wrapper w options (host 'one');
create server s2 foreign data wrapper w options (host 'two');
create table local_kept (id int primary key);
create foreign table f_kept (id int options (column_name 'rid'), note text options (column_name 'remark'), added int not null)
  server s1 options (table_name 'kept2', updatable 'false');
create foreign table f_moves (id int) server s2 options (table_name 'moves');
create foreign table f_new (id int options (column_name 'x'), at timestamptz default now()) server s2 options (table_name 'new');
comment on foreign table f_kept is 'kept';
