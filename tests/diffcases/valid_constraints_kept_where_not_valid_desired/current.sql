-- Constraints valid here that the desired schema has NOT VALID, alike otherwise: kept valid, nothing planned,
-- and said (a kept change, a note), so that check passes. A valid constraint already gives everything NOT
-- VALID promises (new rows checked) and more (the old rows were checked too); dropping it to add it NOT VALID
-- would lose that guarantee and take the table's lock for nothing. A table's CHECK, a foreign key, a domain's
-- CHECK and a column's NOT NULL (PostgreSQL 18), each kept with its comment. Back, NOT VALID to valid: each
-- validated in place (VALIDATE CONSTRAINT), never dropped and added again.
create domain pos as int constraint pos_check check (value > 0);
create table owner (id int primary key);
create table t (
    id int,
    p pos,
    owner_id int,
    n int constraint t_n_not_null not null,
    constraint t_id_check check (id > 0),
    constraint t_owner_fkey foreign key (owner_id) references owner (id)
);
comment on constraint pos_check on domain pos is 'positive';
comment on constraint t_id_check on t is 'positive id';
comment on constraint t_owner_fkey on t is 'its owner';
