-- typed by another type (NOT OF, the columns made the other type's, OF), made typed over a dropped and a
-- retyped column, and made typed where its columns are in another order than the type's (made again)
create type a as (w int, h int);
create type b as (w int, h int, d numeric(6,2));
create table t1 of a (w with options primary key);
create table t2 (w bigint, x text, h int not null);
create table t3 (h int, w int);
