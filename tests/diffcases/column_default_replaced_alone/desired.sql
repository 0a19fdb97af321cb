create type mood as enum ('calm', 'busy');
create table t (
    id int primary key,
    a int default 2,
    b text default 'y',
    c timestamptz default clock_timestamp(),
    m mood default 'busy',
    r bigint default 8,
    n int default 0
);
