create table owner (id int primary key);
create table t (
    id int primary key,
    email text,
    n int,
    owner_id int,
    constraint t_n_positive check (n > 0),
    constraint t_owner_id_fkey foreign key (owner_id) references owner (id),
    constraint t_email_key unique (email)
);
create index idx_t_email on t (lower(email));
create unique index t_n_key on t (n) where n > 10;
create index t_owner_idx on t (owner_id, id);
comment on index idx_t_email is 'case-blind look-up';
