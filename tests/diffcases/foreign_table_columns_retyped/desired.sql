create foreign data wrapper w;
create server s foreign data wrapper w;
create foreign table remote (id integer not null, code integer, amount integer, at date)
  server s options (table_name 'r');
create foreign table listed (tags text, n int[]) server s;
