-- PostgreSQL 18's temporal keys and NOT ENFORCED constraints: a WITHOUT OVERLAPS primary key and unique key
-- (btree_gist), a temporal foreign key (PERIOD) made deferrable in place, a plain key made temporal and a
-- temporal foreign key added over it; a NOT ENFORCED foreign key made ENFORCED and an enforced one made NOT
-- ENFORCED in place (ALTER CONSTRAINT), a NOT ENFORCED CHECK made enforced (dropped and added: PostgreSQL
-- alters only a foreign key's enforcement), with rows that keep to every key.
create extension if not exists btree_gist;
create table film (id int primary key, title text);
create table price (film_id int not null references film (id), rate numeric(4,2), valid_at daterange not null,
  constraint price_pkey primary key (film_id, valid_at without overlaps));
create table override (store int not null, film_id int not null, valid_at daterange not null,
  constraint override_key unique (store, film_id, valid_at without overlaps),
  constraint override_price_fk foreign key (film_id, period valid_at) references price (film_id, period valid_at));
create table slot (id int, valid_at daterange not null, constraint slot_pkey primary key (id, valid_at));
create table slot_use (slot_id int, valid_at daterange);
create table e (id int primary key, film_id int, n int,
  constraint e_film_fk foreign key (film_id) references film (id) not enforced,
  constraint e_n_film_fk foreign key (n) references film (id),
  constraint e_n_pos check (n > 0) not enforced);
comment on constraint e_film_fk on e is 'not checked yet';
