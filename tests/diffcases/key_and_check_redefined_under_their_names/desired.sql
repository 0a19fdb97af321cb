create extension if not exists btree_gist;
create table u (id int primary key, x int, y int, constraint u_x_key unique (x, y) deferrable);
comment on constraint u_x_key on u is 'one x';
create table n (id int primary key, code text, constraint n_code_key unique nulls not distinct (code));
create table f (id int primary key, code text references n (code));
create table r (id int primary key, room int, during tsrange,
                constraint r_no_overlap exclude using gist (room with =, during with &&));
create domain posint as integer constraint posint_check check (value > 0 and value < 1000000);
create domain small as integer;
alter domain small add constraint small_check check (value < 100) not valid;
create table d (id int primary key, n posint, s small);
