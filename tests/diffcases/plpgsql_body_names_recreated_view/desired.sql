-- v loses its column a: it is dropped and created again; the function's %ROWTYPE names v, so the function is
-- created (validated) after v exists again.
create table t (a int, b int);
create view v as select b from t;
create function first_a() returns int language plpgsql as $$
declare
  r public.v%rowtype;
begin
  select * into r from v limit 1;
  return r.b;
end $$;
