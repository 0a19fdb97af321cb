create table m (id int, k bigint not null, v text) partition by range (k);
create table m_low partition of m for values from (0) to (100);
create table m_high partition of m for values from (100) to (200);
create table kept (id int primary key);
