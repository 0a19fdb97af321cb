create type mood as enum ('sad', 'okay', 'happy', 'a b', 'q"\');
create domain fine_mood as mood check (value <> 'okay') check (value in ('sad', 'okay', 'a b'));
create domain moods as mood[] default '{okay,"a b"}' check (value <> '{okay}');
create table p (
    id int primary key,
    m fine_mood,
    ms mood[] default '{{okay,sad},{happy,okay}}',
    mm moods,
    constraint ms_not_meh check (ms <> '{okay}' and ms <> '{"a b",okay}' and ms <> '{"q\"\\",NULL,okay}')
);
create index p_meh on p (id) where ms && '{okay}';
create view pv as select id, ms from p where ms @> '{okay}'::mood[];
