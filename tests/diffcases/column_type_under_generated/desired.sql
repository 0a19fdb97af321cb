create table film (
    id int primary key,
    minutes integer,
    hours numeric(6, 2) generated always as (round(minutes::numeric / 60.0, 2)) stored,
    label text generated always as ('m' || minutes::text) virtual,
    title text
);
create index film_hours on film (hours);
create view long_films as select id, hours from film where hours > 2;
create index film_long on film (id) where hours > 2;
