create type mood as enum ('a', 'it''s "so\so", {x}');
create table t (
    id int primary key,
    ms mood[],
    check (ms <> '{"it''s \"so\\so\", {x}",a}' and ms <> '{{a,NULL},{"it''s \"so\\so\", {x}","it''s \"so\\so\", {x}"}}')
);
create index t_meh on t (id) where ms && '{"it''s \"so\\so\", {x}"}';
