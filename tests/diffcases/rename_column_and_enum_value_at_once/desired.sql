create type mood as enum ('sad', 'okay', 'happy');
create table p (
    id int primary key,
    moods mood[] default '{okay}',
    m mood,
    constraint ms_not_meh check (moods <> '{okay,sad}' and m <> 'okay')
);
create index p_meh on p (id) where moods && '{okay}';
create view pv as select id, moods from p where moods @> '{okay}'::mood[];
