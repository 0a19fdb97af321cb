create type mood as enum ('happy', 'sad');
create table p (id int primary key, m mood not null default 'sad', check (m <> 'happy'));
create index p_m on p (m);
create function is_happy(x mood) returns boolean language sql immutable as $$ select x = 'happy' $$;
