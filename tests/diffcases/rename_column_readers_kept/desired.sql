create table t (
  id int primary key,
  full_name text check (length(full_name) > 1) check (full_name <> 'fullname'),
  age int,
  shout text generated always as (upper(full_name)) stored,
  constraint t_unique_name unique (full_name, age)
);
create index t_lower on t (lower(full_name));
create index t_plain on t (full_name);
create index t_part on t (id) where full_name <> '';
create view tv as select id, full_name from t where full_name is not null;
create view tv_of_tv as select full_name from tv;
create view tv_upper as select id, upper(full_name) as u from t;
create materialized view tm as select id, full_name from t;
create function t_names() returns setof text language sql stable begin atomic select full_name from t; end;
create function t_names_text() returns setof text language sql stable as $$ select full_name from t $$;
create view tv_sub as select s.full_name from (select full_name from t) s;
