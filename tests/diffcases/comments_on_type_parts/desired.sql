create domain pos as int constraint pos_check check (value > 0);
comment on constraint pos_check on domain pos is 'new check comment';
create type pair as (a int, b text);
comment on column pair.a is 'attribute comment';
create domain small as int constraint small_check check (value < 10);
comment on constraint small_check on domain small is 'a new domain''s check';
create type trio as (x int, y int, z int);
comment on column trio.z is 'a new type''s attribute';
create table t (id int primary key, p pos, q pair);
