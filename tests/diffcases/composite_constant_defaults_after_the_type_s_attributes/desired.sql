create type dims as (w int, h int, d int);
create table part (id int primary key, size dims default '(1,1,2)', sizes dims[] default array['(2,2,2)'::dims]);
create table fresh (id int, size dims default '(3,3,3)');
