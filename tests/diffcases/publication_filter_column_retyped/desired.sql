create table t (id int primary key, a bigint, b varchar(20), c int);
create table u (id int primary key, k bigint);
create publication pub for table t (id, a, b) where (a > 0), table u where (k < 10);
comment on publication pub is 'filtered';
