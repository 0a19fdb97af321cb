-- An enum value renamed in place (RENAME VALUE) where a domain's CHECK and array constants ('{meh}'::mood[])
-- spell it: the server follows the rename (the constants hold the value, not its label), so none is dropped
-- and made again: the domain's CHECK is not re-validated against every column of the domain, the index is
-- not rebuilt, the view keeps its OID.
create type mood as enum ('sad', 'meh', 'happy', 'a b', 'q"\');
create domain fine_mood as mood check (value <> 'meh') check (value in ('sad', 'meh', 'a b'));
create domain moods as mood[] default '{meh,"a b"}' check (value <> '{meh}');
create table p (
    id int primary key,
    m fine_mood,
    ms mood[] default '{{meh,sad},{happy,meh}}',
    mm moods,
    constraint ms_not_meh check (ms <> '{meh}' and ms <> '{"a b",meh}' and ms <> '{"q\"\\",NULL,meh}')
);
create index p_meh on p (id) where ms && '{meh}';
create view pv as select id, ms from p where ms @> '{meh}'::mood[];
