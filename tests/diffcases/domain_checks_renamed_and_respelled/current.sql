-- A domain's CHECKs renamed while they read an enum value the plan renames in place (ALTER TYPE ... RENAME
-- VALUE respells them as the server will print them): the same CHECKs, renamed (ALTER DOMAIN ... RENAME
-- CONSTRAINT), not dropped and added again, which checks every column of the domain in every table anew under
-- its lock. One reads the value as a constant, one in an array; the third keeps its name. (A CHECK renamed
-- whose text the server prints back otherwise after a reload: tests/test_diff_deparse_drift.py.)
create type mood as enum ('sad', 'ok', 'happy');
create domain feeling as mood
    constraint feeling_not_ok check (value <> 'ok')
    constraint feeling_listed check (value in ('sad', 'ok', 'happy'))
    constraint feeling_kept check (value <> 'ok' or value is not null);
create table t (id int primary key, f feeling);
