-- A partition detached into a table of its own (or such a table attached) whose parent has a primary key, a
-- unique key, a CHECK and a foreign key: DETACH leaves the partition its own copies of them, ATTACH takes the
-- table's own that match. So the plan neither adds them again (the primary key's ADD fails: the table has
-- one) nor drops and rebuilds them. p3 is attached, its keys named otherwise: renamed to the partition's names.
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
create table p1 partition of a for values from ('2024-01-01') to ('2025-01-01');
create table p2 partition of a for values from ('2025-01-01') to ('2026-01-01');
create table p3 (
    id int not null,
    at date not null,
    v text,
    owner_id int constraint p3_owner references owner (id),
    constraint p3_id_at primary key (id, at),
    constraint p3_v_at unique (v, at),
    constraint a_v_set check (v <> '')
);
