-- two PL/pgSQL functions calling each other: their body references make a soft cycle, dropped, not an error
create table keep (id int);
create function is_even(n int) returns boolean language plpgsql as $$
begin
  if n = 0 then return true; end if;
  return is_odd(n - 1);
end $$;
create function is_odd(n int) returns boolean language plpgsql as $$
begin
  if n = 0 then return false; end if;
  return is_even(n - 1);
end $$;
