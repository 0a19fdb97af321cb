create table t (
    id int primary key,
    email text,
    code varchar(40),
    amount numeric(12, 2),
    total numeric,
    tags text[],
    n integer,
    label text collate "C"
);
create index t_email on t (email);
create index t_amount on t (amount);
