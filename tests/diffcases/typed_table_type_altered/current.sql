-- the composite type of typed tables altered in place: ALTER TYPE ... ADD / DROP / ALTER ATTRIBUTE ... CASCADE
-- reaches them (their own ALTER would be refused); what the table adds to a new column (a default) after it,
-- a view and an index over a reshaped column around it
create type dims as (w int, h int, old text);
create table boxes of dims (w with options primary key, check (h > 0));
create index boxes_old on boxes (old);
create table crates of dims;
create view tall as select w, h, old from boxes where h > 10;
