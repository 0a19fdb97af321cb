-- A column and the generated column that reads it, both dropped, and another column retyped while the
-- generated column that read it goes: the generated ones first (PostgreSQL refuses to drop or retype a column
-- a generated column reads), stored or virtual alike.
create table film (id int primary key, length smallint, rate numeric, pr text,
    length_hours numeric(4,2) generated always as (round(length::numeric / 60.0, 2)) virtual,
    rate_twice numeric generated always as (rate * 2) stored,
    pr_len int generated always as (length(pr)) stored);
