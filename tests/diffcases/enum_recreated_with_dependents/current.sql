create type mood as enum ('sad', 'meh', 'happy');
create table p (id int primary key, m mood not null default 'sad', check (m <> 'meh'));
create index p_m on p (m);
create function is_happy(x mood) returns boolean language sql immutable as $$ select x = 'happy' $$;
