-- A parent drops a column one child keeps as its own and another still inherits from a second parent: the
-- drop is ONLY, so the first keeps its values (a drop that recursed took them, and ADD COLUMN IF NOT EXISTS
-- gave the column back empty); the second keeps it too, local now (no statement makes it inherited only).
create table p1 (id int, vin text);
create table p2 (vin text);
create table c () inherits (p1, p2);
create table d () inherits (p1);
