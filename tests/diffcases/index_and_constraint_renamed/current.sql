-- Indexes and constraints the desired side names otherwise, alike in all else: renamed in place (instant, no
-- scan, no window without the unique index), comments kept; one that also changes is dropped and added.
create table owner (id int primary key);
create table t (
    id int primary key,
    email text,
    n int,
    owner_id int,
    constraint n_pos check (n > 0),
    constraint t_owner_fk foreign key (owner_id) references owner (id),
    constraint t_email_uq unique (email)
);
create index t_email_idx on t (lower(email));
create unique index t_n_uq on t (n) where n > 10;
create index t_owner on t (owner_id);
comment on index t_email_idx is 'case-blind look-up';
