-- Shrinking strings and bit strings: ALTER's assignment cast must do it (a value too long fails the step), never
-- an explicit `USING col::varchar(n)`, which would cut such a value short without a word.
create type mood as enum ('happy', 'sad');
create table t (
    id int primary key,
    code text,
    label varchar(50),
    initials character(4),
    tags text[],
    flags bit varying(16),
    feeling mood,
    amount numeric(12, 4)
);
