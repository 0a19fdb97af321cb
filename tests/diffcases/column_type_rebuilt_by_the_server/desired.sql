create extension if not exists btree_gist;
create table p (id bigint primary key);
create table c (
    id int primary key,
    p_id bigint references p (id),
    a numeric check (a > 0),
    b varchar(10),
    r bigint,
    during tsrange,
    constraint short_b check (length(b) < 5),
    exclude using gist (r with =, during with &&)
);
create index c_b on c (b);
create statistics c_stats on a, r from c;
create materialized view mv as select id, a from c;
create index mv_a on mv (a);
