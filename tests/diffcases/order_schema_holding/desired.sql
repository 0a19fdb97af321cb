create table public.keep (id int primary key);
