create function next_code() returns text language plpgsql as $$ begin return 'c' || floor(random() * 1000)::int; end $$;
create table t (id int primary key, code text default next_code());
