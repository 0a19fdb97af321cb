create schema s;
create collation s.c1 (provider = libc, locale = 'C');
create collation c2 (provider = libc, locale = 'POSIX');
create table s.t (a text collate s.c1, b text);
create index ti on s.t (b collate s.c1);
create domain d2 as text collate c2;
create type p2 as (x text collate c2);
create table keep (x int, y text);
create index keep_y on keep (y collate c2);
