create table t (a bigint, b int, c varchar(50), d numeric(12,4), e text collate "C", f int not null default 42);
