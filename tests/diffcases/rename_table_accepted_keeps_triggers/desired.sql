create schema archive;
create table log (at timestamptz default now(), what text);
create function audit() returns trigger language plpgsql as $$
begin
    insert into log (what) values (tg_op);
    return new;
end$$;
create table products (id int primary key, label text, price int);
create trigger items_audit after insert or update of price on products
    for each row when (new.price is not null) execute function audit();
create constraint trigger items_check after insert on products
    deferrable initially deferred for each row execute function audit();
alter table products enable row level security;
create policy items_mine on products using (label is not null);
create table archive.things (id int primary key);
create trigger things_audit before insert on archive.things for each row execute function audit();
create rule things_no_delete as on delete to archive.things do instead nothing;
create rule things_no_update as on update to archive.things where old.id > 1 do instead nothing;
create statistics items_stats on label, price from products;
