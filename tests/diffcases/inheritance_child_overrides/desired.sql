create table parent (id int, a text default 'p', n int);
-- id is declared by the child as well (merged: it stays when the parent drops it)
create table child (id int, extra int) inherits (parent);
alter table child alter column a set default 'c';
alter table child alter column n set not null;
create table child2 () inherits (parent);
alter table child2 alter column a drop default;
