create type dims as (w int, height int);
create table part (id int primary key, size dims default '(1,1)', sizes dims[] default array['(2,2)'::dims]);
create table box of dims (w with options default 0);
