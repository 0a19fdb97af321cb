create table owner (id int primary key);
create table t (
    id int primary key,
    a int,
    b int,
    c int,
    d text,
    p1 int,
    p2 int,
    constraint t_b_uq unique (a),
    constraint t_a_uq unique (b),
    constraint ck_two check (a > 0),
    constraint ck_three check (b > 0),
    constraint ck_one check (c > 0),
    constraint fk_second foreign key (p1) references owner (id),
    constraint fk_first foreign key (p2) references owner (id)
);
create unique index t_d_idx on t (c);
create index t_c_idx on t (lower(d));
create index t_x on t (b, a);
create index t_y on t (a, c);
comment on index t_d_idx is 'one c a row';
comment on constraint t_b_uq on t is 'one a a row';
