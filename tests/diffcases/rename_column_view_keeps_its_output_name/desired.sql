create table film (id int primary key, heading text, "Sub Heading" text, length int);
create view film_list as select f.id, f.heading as title, f.length from film f group by f.id, f.heading, f.length;
create view titles as select distinct heading as title from film;
create view quoted as select "Sub Heading" as "Sub Title", id from film;
create view shouted as select upper(heading) as loud from film;
