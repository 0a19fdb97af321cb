create table t (id int primary key, amount bigint, note text);
create view v as select id, amount, note from t;
alter view v alter column note set default 'new';
alter view v alter column id set default 0;
create view w as select id, amount from t;
alter view w alter column amount set default 5;
