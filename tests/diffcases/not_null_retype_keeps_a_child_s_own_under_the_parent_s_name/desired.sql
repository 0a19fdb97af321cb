create table p (id bigint not null);
create table c () inherits (p);
alter table c alter column id set not null;
create table gc (id bigint constraint gc_nn not null) inherits (c);
