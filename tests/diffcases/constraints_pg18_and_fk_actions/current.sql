-- Constraints: an FK to a UNIQUE constraint made deferrable, ON DELETE SET NULL (column), NOT VALID CHECK
-- and FK in the desired file (rows violating them stay), NOT ENFORCED CHECK, an exclusion constraint
-- (btree_gist), a stored generated column made virtual. Worked at once in session 14 (coverage).
create extension if not exists btree_gist;
create table parent (id int primary key, code text not null, tenant int not null, constraint parent_code_key unique (code), unique (tenant, id));
create table child (id int primary key, parent_code text, tenant int, parent_id int, note text,
  constraint child_parent_code_fkey foreign key (parent_code) references parent (code),
  constraint child_tenant_fk foreign key (tenant, parent_id) references parent (tenant, id) on delete cascade);
create table booking (id int primary key, room int, during tstzrange);
create table v (id int primary key, a int, b int generated always as (a * 2) stored);
create table nn (id int, x int constraint x_required not null);
