-- A default replaced by another: one SET DEFAULT replaces it, no DROP DEFAULT first (two statements where one
-- does, and a moment without a default between them in a script run outside a transaction). Constants, a
-- built-in function's call, a default over a user type kept; the default of a column whose type changes, and
-- one reading a sequence the plan drops, still go first.
create type mood as enum ('calm', 'busy');
create sequence s;
create table t (
    id int primary key,
    a int default 1,
    b text default 'x',
    c timestamptz default now(),
    m mood default 'calm',
    r int default 7,
    n int default nextval('s')
);
