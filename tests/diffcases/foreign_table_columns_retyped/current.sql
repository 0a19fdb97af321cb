-- A foreign table's columns retyped, narrowed and widened: ALTER ... TYPE on a foreign table takes no USING
-- (PostgreSQL: "is not a table"), and needs none, the rows being elsewhere: nor is any conversion said or refused.
create foreign data wrapper w;
create server s foreign data wrapper w;
create foreign table remote (id bigint not null, code text, amount numeric(10,2), at timestamptz)
  server s options (table_name 'r');
create foreign table listed (tags text[], n int) server s;
