create collation german (provider = libc, locale = 'C');
create collation fresh (provider = builtin, locale = 'C.UTF-8');
comment on collation fresh is 'builtin, UTF-8';
create collation utf (provider = builtin, locale = 'C.UTF-8');
create table c (id int primary key, name text collate german, code text collate utf, nick text collate fresh);
create index c_name on c (name);
