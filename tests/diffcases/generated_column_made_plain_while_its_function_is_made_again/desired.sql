create function twice(integer) returns bigint language sql immutable as 'select $1::bigint * 2';
create table things (id int primary key, n int, doubled bigint);
