create type "di""ms
x" as (w int, h int, label text collate "C");
create table boxes (w int primary key, h int default 3 not null check (h > 0), label text collate "C");
comment on table boxes is 'typed';
