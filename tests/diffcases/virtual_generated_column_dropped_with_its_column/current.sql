-- A column and the virtual generated column that reads it, both dropped: the generated one first (PostgreSQL
-- refuses to drop a column another column's expression reads), stored or virtual alike.
create table film (id int primary key, length smallint, rate numeric,
    length_hours numeric(4,2) generated always as (round(length::numeric / 60.0, 2)) virtual,
    rate_twice numeric generated always as (rate * 2) stored);
