-- A unique or exclusion constraint, or a domain CHECK, the desired schema redefines under its own name. Dropped
-- first and added after, the table (or the domain) holds nothing between the two: outside a transaction, with
-- --concurrently, or when the ADD fails on a row. So the new one comes first under a passing name:
-- u: a unique key on more columns (one the plan adds first), DEFERRABLE: its index built first (CONCURRENTLY
--    with --concurrently), the old key dropped, then ADD CONSTRAINT ... USING INDEX, which only writes the
--    catalog (its comment written again);
-- n: a unique key made NULLS NOT DISTINCT while f's foreign key references it: the foreign key is dropped
--    only once the new index is built, and comes back NOT VALID, then validated;
-- r: an exclusion constraint on more columns (one the plan adds first; USING INDEX takes none): added under a
--    passing name, the old one dropped, the new one renamed;
-- posint: a domain CHECK narrowed: added NOT VALID under a passing name, validated (under the SHARE lock ADD
--    takes too, in PostgreSQL 18), the old one dropped, the new one renamed; small: a CHECK the desired side
--    has NOT VALID is not validated, so the row it refuses is kept.
-- Back, u and r lose the column the old one reads, and dropping the column takes it along: no handover, the
-- old one dropped first (before the column) and the new one added after.
create extension if not exists btree_gist;
create table u (id int primary key, x int, constraint u_x_key unique (x));
comment on constraint u_x_key on u is 'one x';
create table n (id int primary key, code text, constraint n_code_key unique (code));
create table f (id int primary key, code text references n (code));
create table r (id int primary key, during tsrange,
                constraint r_no_overlap exclude using gist (during with &&));
create domain posint as integer constraint posint_check check (value > 0);
create domain small as integer constraint small_check check (value > 0);
create table d (id int primary key, n posint, s small);
