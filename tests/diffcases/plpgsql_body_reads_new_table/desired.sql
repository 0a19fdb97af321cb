-- limits is created in the same plan as the functions whose PL/pgSQL bodies read it; %ROWTYPE is resolved
-- when the function is created, the CHECK and the DEFAULT call the functions on the rows already there.
create table limits (max_qty int);
create function qty_ok(q int) returns boolean language plpgsql as $$
declare
  l public.limits%rowtype;
begin
  select * into l from limits limit 1;
  return l.max_qty is null or q <= l.max_qty;
end $$;
create function next_batch() returns int language plpgsql as $$
begin
  return (select coalesce(max(max_qty), 0) + 1 from limits);
end $$;
create function orders_guard() returns trigger language plpgsql as $$
begin
  if not qty_ok(new.qty) then
    raise exception 'qty over the limit';
  end if;
  return new;
end $$;
create table orders (
  id int primary key,
  qty int check (qty_ok(qty)),
  batch int default next_batch()
);
create trigger orders_guard before insert or update on orders for each row execute function orders_guard();
