-- Indexes and constraints of one table that trade names: renamed in place, not dropped and built again (a
-- unique index rebuilt scans the table under a lock and leaves a window without it). Two unique keys swap,
-- three CHECKs turn round, two foreign keys and two indexes swap: the first of each circle goes through a free
-- name. t_x changes while t_y's index takes its name: a chain, t_x dropped first, no passing name.
create table owner (id int primary key);
create table t (
    id int primary key,
    a int,
    b int,
    c int,
    d text,
    p1 int,
    p2 int,
    constraint t_a_uq unique (a),
    constraint t_b_uq unique (b),
    constraint ck_one check (a > 0),
    constraint ck_two check (b > 0),
    constraint ck_three check (c > 0),
    constraint fk_first foreign key (p1) references owner (id),
    constraint fk_second foreign key (p2) references owner (id)
);
create unique index t_c_idx on t (c);
create index t_d_idx on t (lower(d));
create index t_x on t (a, b);
create index t_y on t (b, a);
comment on index t_c_idx is 'one c a row';
comment on constraint t_a_uq on t is 'one a a row';
