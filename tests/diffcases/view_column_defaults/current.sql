-- An updatable view's column defaults (ALTER VIEW ... ALTER COLUMN ... SET DEFAULT): set, changed and dropped,
-- and kept on a view re-created because the column it reads is retyped.
create table t (id int primary key, amount int, note text);
create view v as select id, amount, note from t;
alter view v alter column note set default 'old';
alter view v alter column amount set default 1;
create view w as select id, amount from t;
alter view w alter column amount set default 5;
