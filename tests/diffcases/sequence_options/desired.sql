create sequence s1 increment by 2 minvalue 1 maxvalue 500 start with 1 cache 10 cycle;
create sequence s2 as integer;
create table t (id int primary key, n int);
create sequence s3 owned by t.id;
