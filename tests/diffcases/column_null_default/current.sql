create table t (a int not null, b int default 1, c text, d timestamptz default now());
