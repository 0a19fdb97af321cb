create table t (a int, b int default 2, c text not null default 'x', d timestamptz);
