-- PostgreSQL 18 names each NOT NULL: a name the server would not pick is kept (pg_dump writes it), and so are
-- NO INHERIT and NOT VALID. Forward: a default name made another, a named one made default, one renamed, one
-- made NO INHERIT and one made inheritable again (ALTER CONSTRAINT ... [NO] INHERIT), a NOT VALID one renamed
-- and validated, a name numbered because a CHECK holds the default one kept, and new columns and tables whose
-- NOT NULL is named or NO INHERIT. Every one in place (no drop and add, no row read), rows kept.
create table t (
    id int primary key,
    a int not null,
    b int constraint b_named not null,
    c int constraint c_named not null,
    d int not null,
    e int not null no inherit,
    f int
);
alter table t add constraint t_f_nn not null f not valid;
create table numbered (a int check (a > 0), constraint numbered_a_not_null check (a < 100));
alter table numbered alter a set not null;
