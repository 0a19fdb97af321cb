-- a composite type made again (an attribute retyped while a column holds it) under a column an inheritance
-- child has too: the row rebuilt by a USING that PostgreSQL 18 takes down to the child ("size::text IS NULL"
-- there failed with "unrecognized node type: 28", pagila seed 926 of the typed-table fuzz); a NULL stays
-- NULL, a row of NULLs a row
create type dims as (w int, h int);
create table item (id int, size dims);
create table child (extra text) inherits (item);
