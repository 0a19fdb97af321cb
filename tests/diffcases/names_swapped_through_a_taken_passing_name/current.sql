-- Names that trade places where the first passing name is taken: a table already bears i__dibs_swap, a
-- constraint ck__dibs_swap, and two long index names alike in their first 52 bytes would both pass through
-- the same cut name. Each head takes the next free one (__dibs_swap2), and nothing is rebuilt.
create table i__dibs_swap (id int);
create table t (
    id int primary key, a int, b int, c int, d int, e int, f int,
    constraint ck check (a > 0), constraint cl check (b > 0), constraint ck__dibs_swap check (c > 0)
);
create index aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa_one on t (a);
create index z_one on t (b);
create index aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa_two on t (c);
create index z_two on t (d);
create index i on t (e);
create index j on t (f);
