create collation german (provider = libc, locale = 'C');
create collation old_one (provider = libc, locale = 'POSIX');
create collation utf (provider = builtin, locale = 'C');
create table c (id int primary key, name text collate german, code text collate utf);
create index c_name on c (name);
insert into c values (1, 'a', 'b');
