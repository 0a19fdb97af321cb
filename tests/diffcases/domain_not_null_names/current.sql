-- A domain's NOT NULL named otherwise than the server names it (PostgreSQL 17 on: <domain>_not_null): renamed
-- in place, added under its name (a new domain too) (ADD CONSTRAINT ... NOT NULL, SET NOT NULL names none), and a CHECK taking the
-- name the NOT NULL leaves. Rows kept.
create domain d1 as int not null;
create domain d2 as int constraint d2_named not null;
create domain d3 as int constraint d3_one not null;
create domain d4 as int;
create domain d5 as int constraint d5_a not null;
create table t (id int, a d1, b d2, c d3, d d4, e d5);
