-- A column retyped while generated columns read it: PostgreSQL refuses the ALTER ("cannot alter type of a
-- column used by a generated column"), so those columns go first and come back after, with what uses them.
-- An index whose predicate reads a generated column goes with its drop too, and comes back.
create table film (
    id int primary key,
    minutes smallint,
    hours numeric(6, 2) generated always as (round(minutes::numeric / 60.0, 2)) stored,
    label text generated always as ('m' || minutes::text) virtual,
    title text
);
create index film_hours on film (hours);
create view long_films as select id, hours from film where hours > 2;
create index film_long on film (id) where hours > 2;
