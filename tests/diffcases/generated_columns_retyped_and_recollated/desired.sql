create table q (id int primary key, a int, v bigint generated always as (a * 2), s bigint generated always as (a * 3) stored, c text collate "POSIX" generated always as (a::text));
create view qv as select id, v, s, c from q;
