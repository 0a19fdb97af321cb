-- a typed table (CREATE TABLE ... OF), made plain in place (ALTER TABLE ... NOT OF) and back (OF), rows kept;
-- the type's name is hostile (quotes, a newline)
create type "di""ms
x" as (w int, h int, label text collate "C");
create table boxes of "di""ms
x" (w with options primary key, h with options default 3 not null, check (h > 0));
comment on table boxes is 'typed';
