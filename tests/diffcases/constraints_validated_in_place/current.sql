-- CHECKs and a foreign key added NOT VALID (the usual way to add one to a large table without a long lock),
-- valid in the desired schema: VALIDATE CONSTRAINT, kept in place, not dropped and added again (which checks
-- every row under ACCESS EXCLUSIVE, with the constraint gone between). A table's CHECK, a foreign key and a
-- domain's CHECK, each with a comment that stays. The other way, valid to NOT VALID, is kept valid and said
-- (valid_constraints_kept_where_not_valid_desired).
create domain pos as int;
alter domain pos add constraint pos_check check (value > 0) not valid;
create table owner (id int primary key);
create table t (id int, p pos, owner_id int);
alter table t add constraint t_id_check check (id > 0) not valid;
alter table t add constraint t_owner_fkey foreign key (owner_id) references owner (id) not valid;
comment on constraint pos_check on domain pos is 'positive';
comment on constraint t_id_check on t is 'positive id';
comment on constraint t_owner_fkey on t is 'its owner';
