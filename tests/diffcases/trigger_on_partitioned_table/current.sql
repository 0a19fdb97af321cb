create table m (id int, k int not null, touched timestamptz) partition by range (k);
create table m_low partition of m for values from (0) to (100);
create function touch() returns trigger language plpgsql as $$begin new.touched := now(); return new; end$$;
-- on both sides: cloned to every partition, the new one included, by PostgreSQL itself
create trigger m_keep before update on m for each row execute function touch();
