-- A column an inheritance child has from two parents, retyped on both: PostgreSQL refuses the type change on
-- either parent ("cannot alter inherited column": the child's column counts two parents). The child leaves the
-- second parent (NO INHERIT) and every one after it, the first parent's change reaches it, and it inherits them
-- again in their order once both have the new type; its rows stay. What it had from them alone stays its own too
-- (b and its NOT NULL: kept and said; a CHECK too, tests/test_proof.py).
create table p1 (id int not null, a text);
create table p2 (id int not null, b text not null);
create table p3 (c text);
create table kid (d text) inherits (p1, p2, p3);
