-- A table list-partitioned by an enum that is made again (a value removed), referenced by a foreign key
-- whose own enum column is recast too: the key goes with the re-created partitioned table and comes back
-- after it, once (its clones on the partitions are PostgreSQL's: never dropped by name).
create type region as enum ('eu', 'us', 'old');
create table store (id int, r region not null, primary key (id, r)) partition by list (r);
create table store_eu partition of store for values in ('eu');
create table store_us partition of store for values in ('us');
create table sale (id int primary key, store_id int, store_r region, foreign key (store_id, store_r) references store);
