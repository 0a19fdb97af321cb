create table t (
    id int primary key,
    low int,
    high int,
    span int generated always as (high - low) stored,
    b int,
    c int,
    constraint t_range check (low <= high),
    constraint t_ab check (b > 0 and c < 10)
);
create index t_lo_hi on t (low, high) where low < high;
create view tv as select id, low, high from t where low < high;
