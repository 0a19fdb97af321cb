create type dims as (w int, h bigint, depth int);
create table boxes of dims (w with options primary key, depth with options default 1, check (h > 0));
create table crates of dims;
create view tall as select w, h, depth from boxes where h > 10;
