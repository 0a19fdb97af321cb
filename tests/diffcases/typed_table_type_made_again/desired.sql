create type dims as (w int, h bigint);
create table boxes of dims (w with options primary key, h with options default 0);
create table holder (id int primary key, d dims);
