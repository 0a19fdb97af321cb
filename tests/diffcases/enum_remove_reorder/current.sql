create type mood as enum ('sad', 'meh', 'happy'); create table p (id int, m mood not null default 'sad', ms mood[]); create view pv as select id, m from p;
