create table p (id int not null, v int);
create table c () inherits (p);
alter table c alter column id set not null;
create table gc () inherits (c);
