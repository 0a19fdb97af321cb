-- An enum re-created (a value removed, the rest reordered) under a CHECK constraint, a partial index and an
-- expression index that hold constants of it: each is dropped before its column is recast and made again.
create type status as enum ('new', 'open', 'closed', 'unused');
create table ticket (
    id int primary key,
    s status not null default 'new',
    constraint closed_has_id check (s <> 'closed' or id > 0)
);
create index ticket_open on ticket (id) where s = 'open';
create index ticket_is_new on ticket ((s = 'new'));
create index ticket_s on ticket (s);
