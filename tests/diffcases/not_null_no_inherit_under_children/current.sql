-- A parent's NOT NULL made NO INHERIT (PostgreSQL 18's ALTER CONSTRAINT ... NO INHERIT) leaves its children's
-- their own; where the desired children have none, theirs goes after the parent's change (before it, the
-- server refuses: the column is NOT NULL in the parent). Back: made inheritable again, it reaches the children.
create table np (id int, a int not null);
create table nc () inherits (np);
