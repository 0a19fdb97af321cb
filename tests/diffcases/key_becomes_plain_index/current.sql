-- A primary key or unique constraint that the desired schema has as a plain index of the same columns, unique
-- or not. The index is built before the key is dropped: the other way round leaves the table without its
-- uniqueness (outside a transaction, or with --concurrently) and its reads without an index meanwhile. Where
-- the index takes the key's own name it is built under a passing name and renamed once the key is gone.
-- a: a primary key becomes a unique index of another name; b: a unique key becomes a unique index of its name;
-- c: a unique key becomes a plain index; d: a primary key becomes a plain index of its name; e: a unique key
-- another table's foreign key references becomes a unique index of its name: the key goes, then comes back
-- (it depends on the key's index, which PostgreSQL drops with the key and cannot hand to another), dropped
-- only once the new index is built, and added NOT VALID then validated, so the rows of e_ref are checked
-- under SHARE UPDATE EXCLUSIVE, which lets writes on, not under ADD's lock that blocks them (once committed
-- apart from the drop, whose ACCESS EXCLUSIVE a single transaction still holds).
-- Back, a plain index that becomes a key: the key is built (under a passing name where it takes the index's)
-- before the index is dropped; a unique index is made the key in place (index_promotions).
create table a (id int primary key, v text);
create table b (id int not null, x int, constraint b_x_key unique (x));
create table c (id int not null, x int, y int, constraint c_xy_key unique (x, y));
create table d (id int primary key, v text);
create table e (id int not null, x int, constraint e_x_key unique (x));
create table e_ref (id int primary key, ex int references e (x));
comment on constraint b_x_key on b is 'one x a row';
