create extension if not exists btree_gist;
create table parent (id int primary key, code text not null, tenant int not null, constraint parent_code_key unique (code), unique (tenant, id));
create table child (id int primary key, parent_code text, tenant int, parent_id int, note text,
  constraint child_parent_code_fkey foreign key (parent_code) references parent (code) deferrable initially deferred,
  constraint child_tenant_fk foreign key (tenant, parent_id) references parent (tenant, id) on delete set null (parent_id),
  constraint note_nonempty check (note <> '') not enforced);
create table booking (id int primary key, room int, during tstzrange, constraint no_overlap exclude using gist (room with =, during with &&));
create table v (id int primary key, a int, b int generated always as (a * 2) virtual);
create table nn (id int constraint id_required not null, x int constraint x_needed not null);
alter table child add constraint note_len check (length(note) < 100) not valid;
alter table child add constraint child_parent_fk2 foreign key (parent_id) references parent (id) not valid;
