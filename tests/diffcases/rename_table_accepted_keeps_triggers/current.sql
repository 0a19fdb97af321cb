-- An accepted table rename keeps the table's triggers, policies and rules: a trigger's text names its table
-- (pg_get_triggerdef), so compared as written it differed and was dropped and created again, and between the
-- two no trigger ran; a rule's and a statistics object's texts too. One trigger fires on a column's update
-- with a WHEN, one is a constraint trigger; another table, moved to another schema, keeps its trigger and one
-- rule, and its other rule, changed, is dropped by the table's new name and made again.
create schema archive;
create table log (at timestamptz default now(), what text);
create function audit() returns trigger language plpgsql as $$
begin
    insert into log (what) values (tg_op);
    return new;
end$$;
create table items (id int primary key, label text, price int);
create trigger items_audit after insert or update of price on items
    for each row when (new.price is not null) execute function audit();
create constraint trigger items_check after insert on items
    deferrable initially deferred for each row execute function audit();
alter table items enable row level security;
create policy items_mine on items using (label is not null);
create table things (id int primary key);
create trigger things_audit before insert on things for each row execute function audit();
create rule things_no_delete as on delete to things do instead nothing;
create rule things_no_update as on update to things do instead nothing;
create statistics items_stats on label, price from items;
