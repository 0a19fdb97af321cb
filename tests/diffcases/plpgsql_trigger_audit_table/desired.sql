-- the trigger function writes to an audit table created in the same plan
create table items (id int primary key, name text);
create table items_audit (id int, name text, at timestamptz default now());
create function items_audit() returns trigger language plpgsql as $$
begin
  insert into public.items_audit (id, name) values (new.id, new.name);
  return new;
end $$;
create trigger items_audit after insert or update on items for each row execute function items_audit();
