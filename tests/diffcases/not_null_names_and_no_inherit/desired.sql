create table t (
    id int primary key,
    a int constraint a_named not null,
    b int not null,
    c int constraint c_renamed not null,
    d int not null no inherit,
    e int not null,
    f int constraint f_checked not null,
    g int constraint g_named not null default 0,
    h int not null no inherit default 0
);
create table numbered (a int check (a > 0), constraint numbered_a_not_null check (a < 100));
alter table numbered alter a set not null;
create table fresh (a int constraint fresh_named not null, b int not null no inherit);
