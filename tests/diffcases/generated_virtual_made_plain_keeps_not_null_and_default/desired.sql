create table n (id int primary key, a int, v int constraint v_needed not null default 0, w int not null, d int generated always as (a - 1) not null);
