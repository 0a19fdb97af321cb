create table e (id int not null, x int);
create unique index e_x_key on e (x);
create table e_ref (id int primary key, ex int, constraint e_ref_ex_fkey foreign key (ex) references e (x));
comment on constraint e_ref_ex_fkey on e_ref is 'its e';
