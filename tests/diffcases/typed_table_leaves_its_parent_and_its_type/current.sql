-- an inheritance child made typed (NO INHERIT before OF: a typed table has no parent), and a typed table made
-- plain whose type goes (NOT OF before DROP TYPE); back: NOT OF before INHERIT, the type made before OF
create table parent (w int);
create table child (h int) inherits (parent);
create type pair as (w int, h int);
create type gone as (a int, b text);
create table was_typed of gone (a with options primary key);
