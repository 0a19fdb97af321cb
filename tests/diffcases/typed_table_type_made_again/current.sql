-- the composite type of a typed table made again (renamed away, created, dropped: a column of another table
-- holds it, so its attribute cannot be retyped in place): the table made plain first (NOT OF), its column
-- retyped as a plain table's, typed by the new type after (OF), its rows kept
create type dims as (w int, h int);
create table boxes of dims (w with options primary key, h with options default 0);
create table holder (id int primary key, d dims);
