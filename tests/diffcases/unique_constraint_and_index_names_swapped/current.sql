-- A unique constraint and an index trading names, or what they cover: renamed in place, or the index made
-- the constraint (ADD CONSTRAINT ... USING INDEX), never both dropped and built again (a unique key rebuilt
-- scans the table under a lock that blocks writes). t's key and plain index trade names, u's key and unique
-- index too, and v's key takes the name of w's index while w's index takes v's key's (one namespace). k's
-- key and unique index keep their names but trade kinds, m's trade columns (a foreign key reads m.b): the
-- index that becomes the key is kept, the key that becomes an index builds it (PostgreSQL drops a key's index
-- with it): k's under a passing name before the key goes (key_becomes_plain_index). p's unique indexes
-- become its primary key, a deferrable key and a NULLS NOT DISTINCT key.
create table t (id int primary key, a int, b int, constraint t_a_key unique (a));
create index t_b_idx on t (b);
create table u (id int primary key, a int, b int, constraint u_a_key unique (a));
create unique index u_b_key on u (b);
create table v (id int primary key, a int, constraint v_a_key unique (a));
create table w (id int primary key, a int);
create index w_a_idx on w (a);
create table k (id int primary key, a int, b int, constraint k_one unique (a));
create unique index k_two on k (b);
create table m (id int primary key, a int, b int, constraint m_key unique (a));
create unique index m_idx on m (b);
create table m_ref (id int primary key, mb int references m (b));
create table p (id int not null, a int, b int);
create unique index p_id_idx on p (id);
create unique index p_a_idx on p (a);
create unique index p_b_idx on p (b) nulls not distinct;
comment on constraint t_a_key on t is 'one a a row';
comment on index t_b_idx is 'b looked up';
comment on index p_a_idx is 'one a a row';
