create table t (a int, b int);
create view v as select a from t;
create function first_a() returns int language plpgsql as $$
declare
  r public.v%rowtype;
begin
  select * into r from v limit 1;
  return r.a;
end $$;
