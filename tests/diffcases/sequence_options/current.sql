create sequence s1;
create sequence s2 increment by 5 minvalue 10 maxvalue 1000 start with 20 cache 3 cycle;
create table t (id int primary key, n int);
create sequence s3 owned by t.n;
select nextval('s1'); select nextval('s1');
insert into t values (1, 2);
