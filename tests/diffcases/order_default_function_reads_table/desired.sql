create table keep (id int primary key);
create table ticket (id int primary key, n bigint);
create function next_ticket() returns bigint language sql
  begin atomic select coalesce(max(n), 0) + 1 from public.ticket; end;
alter table ticket alter column n set default next_ticket();
