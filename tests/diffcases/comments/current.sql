create table t (a int); comment on table t is 'old'; comment on column t.a is 'a old'; create index ti on t (a);
