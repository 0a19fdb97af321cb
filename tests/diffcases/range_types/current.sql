create type floatrange as range (subtype = float8, subtype_diff = float8mi);
create type gone_range as range (subtype = int4);
create table r (id int primary key, span floatrange);
insert into r values (1, '[1.5,2.5)');
create view r_spans as select id, span from r;
