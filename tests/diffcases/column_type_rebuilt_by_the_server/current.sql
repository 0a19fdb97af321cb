-- Retyped columns whose indexes, foreign keys and exclusions PostgreSQL rebuilds by itself: they are not
-- dropped around the ALTER (a CHECK whose text changes with the type is), and the rows stay.
create extension if not exists btree_gist;
create table p (id int primary key);
create table c (
    id int primary key,
    p_id int references p (id),
    a int check (a > 0),
    b text,
    r int,
    during tsrange,
    constraint short_b check (length(b) < 5),
    exclude using gist (r with =, during with &&)
);
create index c_b on c (b);
create statistics c_stats on a, r from c;
create materialized view mv as select id, a from c;
create index mv_a on mv (a);
