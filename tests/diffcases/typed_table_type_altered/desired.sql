create type dims as (w int, h bigint, depth int);
create table boxes of dims (w with options primary key, depth with options default 1 not null, check (h > 0));
create table crates of dims;
comment on column crates.depth is 'how deep';
alter table crates alter column depth set statistics 200;
create view tall as select w, h, depth from boxes where h > 10;
