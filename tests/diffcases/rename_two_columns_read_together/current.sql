-- Two columns of one table renamed (accepted) that a CHECK, an index, a generated column and a view read
-- together: respelled with both renames at once, kept, not rebuilt (the stored generated column is not
-- rewritten). b takes c's name and a takes b's, in that order: each respelled in turn as the renames run.
create table t (
    id int primary key,
    lo int,
    hi int,
    span int generated always as (hi - lo) stored,
    a int,
    b int,
    constraint t_range check (lo <= hi),
    constraint t_ab check (a > 0 and b < 10)
);
create index t_lo_hi on t (lo, hi) where lo < hi;
create view tv as select id, lo, hi from t where lo < hi;
