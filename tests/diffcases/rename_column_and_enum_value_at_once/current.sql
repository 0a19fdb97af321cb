-- A column renamed (accepted) while an enum value it holds is renamed in place: what reads the column and
-- spells the value (a CHECK, a partial index, a default, a view; array constants '{meh}'::mood[] too) is
-- respelled with both renames at once, so nothing is dropped and made again.
create type mood as enum ('sad', 'meh', 'happy');
create table p (
    id int primary key,
    ms mood[] default '{meh}',
    m mood,
    constraint ms_not_meh check (ms <> '{meh,sad}' and m <> 'meh')
);
create index p_meh on p (id) where ms && '{meh}';
create view pv as select id, ms from p where ms @> '{meh}'::mood[];
