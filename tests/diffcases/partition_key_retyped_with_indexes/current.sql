create table m (id int, k int not null, v text, primary key (id, k)) partition by list (k);
create table m_one partition of m for values in (1, 2);
create table m_rest partition of m default;
create index m_v on m (v);
create index m_one_own on m_one (v) where v is not null;
comment on table m_one is 'kept with its rows';
