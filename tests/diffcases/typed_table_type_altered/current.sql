-- the composite type of typed tables altered in place: ALTER TYPE ... ADD / DROP / ALTER ATTRIBUTE ... CASCADE
-- reaches them (their own ALTER would be refused); a view and an index over a reshaped column around it. A new
-- column with a default and NOT NULL on one table: that table goes NOT OF, ADD COLUMN (which fills the rows),
-- OF; a comment and a statistics target on another's new column after the type's ADD ATTRIBUTE
create type dims as (w int, h int, old text);
create table boxes of dims (w with options primary key, check (h > 0));
create index boxes_old on boxes (old);
create table crates of dims;
create view tall as select w, h, old from boxes where h > 10;
