-- A partition added under two indexes whose copies PostgreSQL names alike, the second numbered (z3_v_idx,
-- z3_v_idx1), in the order the parent's were created (z_v_b, made first and named after z_v_a): each copy is
-- renamed to the desired name from the one PostgreSQL gave it. Named once for both, the second rename failed.
-- z4 keeps PostgreSQL's name for one (made already: IF NOT EXISTS, a no-op), which frees no name for the other.
create table z (id int, v text) partition by list (id);
create index z_v_b on z (v);
create index z_v_a on z (v) where v is not null;
create table z1 partition of z for values in (1);
