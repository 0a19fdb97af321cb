-- A parent's column retyped while an inheritance child has its own NOT NULL on it, merged with the parent's
-- under another name (PostgreSQL 18 makes the NOT NULLs again on ALTER COLUMN ... TYPE and refuses the child's:
-- "a not-null constraint named ... already exists"). A grandchild too. Rows kept.
create table par (id int, a bigint constraint par_a not null);
create table chi (id int, a bigint constraint chi_own not null) inherits (par);
create table sib () inherits (par);
create table gra (a bigint not null) inherits (chi);
