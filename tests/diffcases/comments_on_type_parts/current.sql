-- Comments on the parts of types: a domain's CHECK constraint and a composite type's attribute (set, changed,
-- dropped), also on a domain and a composite the plan creates.
create domain pos as int constraint pos_check check (value > 0);
comment on constraint pos_check on domain pos is 'old check comment';
create type pair as (a int, b text);
comment on column pair.b is 'dropped attribute comment';
create table t (id int primary key, p pos, q pair);
