create table owner (id int primary key);
create table a (
    id int,
    at date,
    v text,
    owner_id int references owner (id),
    primary key (id, at),
    unique (v, at),
    constraint a_v_set check (v <> '')
) partition by range (at);
create table p1 (
    id int not null,
    at date not null,
    v text,
    owner_id int constraint a_owner_id_fkey references owner (id),
    constraint p1_pkey primary key (id, at),
    constraint p1_v_at_key unique (v, at),
    constraint a_v_set check (v <> '')
);
create table p2 partition of a for values from ('2025-01-01') to ('2026-01-01');
create table p3 partition of a for values from ('2026-01-01') to ('2027-01-01');
