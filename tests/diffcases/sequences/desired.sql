create sequence s1 increment 5 start 10 maxvalue 100000 cycle; create sequence s2 as smallint; create table t (id int default nextval('s1'), other int default nextval('s2'));
