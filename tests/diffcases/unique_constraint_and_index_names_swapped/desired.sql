create table t (id int primary key, a int, b int, constraint t_b_idx unique (a));
create index t_a_key on t (b);
create table u (id int primary key, a int, b int, constraint u_b_key unique (a));
create unique index u_a_key on u (b);
create table v (id int primary key, a int, constraint w_a_idx unique (a));
create table w (id int primary key, a int);
create index v_a_key on w (a);
create table k (id int primary key, a int, b int, constraint k_two unique (b));
create unique index k_one on k (a);
create table m (id int primary key, a int, b int, constraint m_key unique (b));
create unique index m_idx on m (a);
create table m_ref (id int primary key, mb int references m (b));
create table p (
    id int not null,
    a int,
    b int,
    constraint p_pkey primary key (id),
    constraint p_a_key unique (a) deferrable initially deferred,
    constraint p_b_idx unique nulls not distinct (b)
);
comment on constraint t_b_idx on t is 'one a a row';
comment on index t_a_key is 'b looked up';
comment on constraint p_a_key on p is 'one a a row';
