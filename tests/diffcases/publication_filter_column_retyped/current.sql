create table t (id int primary key, a int, b text, c int);
create table u (id int primary key, k int);
create publication pub for table t (id, a, b) where (a > 0), table u where (k < 10);
comment on publication pub is 'filtered';
