create table m (id int, k int not null, touched timestamptz) partition by range (k);
create table m_low partition of m for values from (0) to (100);
create table m_high partition of m for values from (100) to (200);
create function touch() returns trigger language plpgsql as $$begin new.touched := now(); return new; end$$;
create trigger m_keep before update on m for each row execute function touch();
create trigger m_touch before insert or update on m for each row execute function touch();
create trigger m_low_own after insert on m_low for each statement execute function touch();
