-- A foreign key NOT VALID here and valid in the desired schema, on a unique key that becomes a unique index
-- of its name: the key goes (key_handovers), and the foreign key, which depends on the key's index, goes and
-- comes back with it (cascade), added NOT VALID then validated. Its own comparison's VALIDATE in place is
-- not planned as well: it would run after the drop and name a constraint gone by then.
create table e (id int not null, x int, constraint e_x_key unique (x));
create table e_ref (id int primary key, ex int);
alter table e_ref add constraint e_ref_ex_fkey foreign key (ex) references e (x) not valid;
comment on constraint e_ref_ex_fkey on e_ref is 'its e';
