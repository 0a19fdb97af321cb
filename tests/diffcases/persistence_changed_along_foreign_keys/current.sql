-- Tables linked by foreign keys made logged together, and unlogged back: PostgreSQL refuses a logged table
-- referencing an unlogged one at every step, so each is made logged after the tables it references and unlogged
-- after those referencing it, whatever their names' order (a self-reference aside).
create unlogged table a_item (id int primary key, z_cache_id int);
create unlogged table z_cache (id int primary key, v text, parent_id int references z_cache);
alter table a_item add foreign key (z_cache_id) references z_cache;
create unlogged table m_leaf (id int primary key, item_id int references a_item);
create table keeper (id int primary key);
