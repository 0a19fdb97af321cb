-- A parent's column retyped over a grandchild's own NOT NULL named otherwise (so the NOT NULLs over it are dropped
-- and added again around the type change: diff/not_null_retype.py), while the child between them has its NOT
-- NULL its own too under the parent's name (SET NOT NULL on the child: conislocal). The child's was left to the
-- parent's ADD, which made it inherited only, and the next diff set it again: it is added again as its own.
create table p (id int not null);
create table c () inherits (p);
alter table c alter column id set not null;
create table gc (id int constraint gc_nn not null) inherits (c);
