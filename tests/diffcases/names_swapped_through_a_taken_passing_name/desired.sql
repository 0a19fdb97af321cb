create table i__dibs_swap (id int);
create table t (
    id int primary key, a int, b int, c int, d int, e int, f int,
    constraint cl check (a > 0), constraint ck check (b > 0), constraint ck__dibs_swap check (c > 0)
);
create index z_one on t (a);
create index aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa_one on t (b);
create index z_two on t (c);
create index aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa_two on t (d);
create index j on t (e);
create index i on t (f);
