-- An accepted table rename whose id default reads a sequence no column owns (pg_dump's pagila writes no OWNED
-- BY), the desired side reading it under the new table's name: the sequence is renamed, not made again (a new
-- one starts past the rows' largest id, and ids of rows deleted since are handed out again). A second table's
-- wanted sequence name is held by a table the plan drops: that sequence is made again, as before, rather
-- than renamed onto a name still taken before the plan runs. A quoted name is renamed too.
create sequence language_language_id_seq;
create table language (id int primary key default nextval('language_language_id_seq'::regclass), name text);
create sequence "Odd Seq";
create table odd (id int primary key default nextval('"Odd Seq"'::regclass));
create table odd_id_seq (x int);
create sequence "W Seq";
create table w (id int primary key default nextval('"W Seq"'::regclass));
