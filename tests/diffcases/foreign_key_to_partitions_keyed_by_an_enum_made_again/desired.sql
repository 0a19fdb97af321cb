create type region as enum ('eu', 'us');
create table store (id int, r region not null, primary key (id, r)) partition by list (r);
create table store_eu partition of store for values in ('eu');
create table store_us partition of store for values in ('us');
create table sale (id int primary key, store_id int, store_r region, foreign key (store_id, store_r) references store);
