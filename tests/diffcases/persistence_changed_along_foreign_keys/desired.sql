create table a_item (id int primary key, z_cache_id int);
create table z_cache (id int primary key, v text, parent_id int references z_cache);
alter table a_item add foreign key (z_cache_id) references z_cache;
create table m_leaf (id int primary key, item_id int references a_item);
create table keeper (id int primary key, cache_id int references z_cache);
