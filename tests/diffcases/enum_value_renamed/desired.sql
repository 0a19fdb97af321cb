create type mood as enum ('sad', 'okay', 'happy');
create table p (id int primary key, m mood not null default 'okay', ms mood[], check (m <> 'okay' or id > 0));
create index p_meh on p (id) where m = 'okay';
create view pv as select id, m from p where m in ('okay', 'happy');
create function is_meh(x mood) returns boolean language sql immutable return x = 'okay';
create function meh_text(x mood) returns text language plpgsql immutable as $$ begin return case when x = 'okay'::mood then 'so so' end; end $$;
