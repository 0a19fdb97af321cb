create type status as enum ('open', 'new', 'closed');
create table ticket (
    id int primary key,
    s status not null default 'new',
    constraint closed_has_id check (s <> 'closed' or id > 0)
);
create index ticket_open on ticket (id) where s = 'open';
create index ticket_is_new on ticket ((s = 'new'));
create index ticket_s on ticket (s);
