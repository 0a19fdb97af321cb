create type fr as range (subtype = numeric);
create type pr as (a fr, b int);
create domain dpr as pr check ((value).b > 0);
create table t (id int primary key, p pr, ps pr[], d dpr, q fr);
