-- An enum re-created (a value removed) under a domain, a domain over that domain and a composite type: each
-- is made again over the new enum and its columns recast, their rows kept.
create type status as enum ('new', 'open', 'closed', 'unused');
create domain status_d as status default 'new' check (value <> 'closed');
create domain status_dd as status_d not null;
create type pair as (s status, n int);
create table ticket (id int primary key, sd status_d, sdd status_dd, p pair);
