create sequence s1 increment 1; create sequence gone_seq; create table t (id int default nextval('s1'));
