create table s (id int primary key, body text, j jsonb, n numeric, r bigint, plain text, added text);
alter table s alter column j set compression pglz;
alter table s alter column j set storage main;
alter table s alter column n set statistics 500;
alter table s alter column r set statistics 10;
alter table s alter column added set storage external;
create table fresh (id int primary key, doc text);
alter table fresh alter column doc set storage external, alter column doc set statistics 1000;
