create type floatrange as range (subtype = float8);
create type textrange as range (subtype = text, collation = "C", multirange_type_name = textmultirange);
comment on type textrange is 'ranges of text';
create table r (id int primary key, span floatrange, t textrange);
create view r_spans as select id, span from r;
