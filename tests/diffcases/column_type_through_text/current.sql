-- No cast joins jsonb to hstore, nor integer to an enum: `USING col::type` failed on any table, rows or not.
-- The plan converts through text, saying so above the step: each value's text form must read as the new type.
create extension hstore;
create type level as enum ('1', '2', '3');
create table t (
    id int primary key,
    doc jsonb,
    rank int
);
