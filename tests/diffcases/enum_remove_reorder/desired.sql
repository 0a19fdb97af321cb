create type mood as enum ('happy', 'sad'); create table p (id int, m mood not null default 'happy', ms mood[]); create view pv as select id, m from p;
