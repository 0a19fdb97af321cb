create type mood as enum ('sad', 'meh', 'happy');
create table p (id int primary key, m mood not null default 'meh', ms mood[], check (m <> 'meh' or id > 0));
create index p_meh on p (id) where m = 'meh';
create view pv as select id, m from p where m in ('meh', 'happy');
create function is_meh(x mood) returns boolean language sql immutable return x = 'meh';
create function meh_text(x mood) returns text language plpgsql immutable as $$ begin return case when x = 'meh'::mood then 'so so' end; end $$;
