create type mood as enum ('happy', 'sad');
create table t (
    id int primary key,
    code varchar(8),
    label varchar(10),
    initials character(2),
    tags varchar(12)[],
    flags bit varying(8),
    feeling varchar(5),
    amount numeric(8, 2)
);
