-- An accepted column rename: PostgreSQL follows it in every reader (they hold the column's number), so none
-- is dropped and made again. A view's own column named after it is renamed with it (and the view reading
-- that column follows); a CHECK named after it is renamed to the desired name; a string that spells the
-- name is not touched.
create table t (
  id int primary key,
  fullname text check (length(fullname) > 1) check (fullname <> 'fullname'),
  age int,
  shout text generated always as (upper(fullname)) stored,
  constraint t_unique_name unique (fullname, age)
);
create index t_lower on t (lower(fullname));
create index t_plain on t (fullname);
create index t_part on t (id) where fullname <> '';
create view tv as select id, fullname from t where fullname is not null;
create view tv_of_tv as select fullname from tv;
create view tv_upper as select id, upper(fullname) as u from t;
create materialized view tm as select id, fullname from t;
create function t_names() returns setof text language sql stable begin atomic select fullname from t; end;
create function t_names_text() returns setof text language sql stable as $$ select fullname from t $$;
create view tv_sub as select s.fullname from (select fullname from t) s;
