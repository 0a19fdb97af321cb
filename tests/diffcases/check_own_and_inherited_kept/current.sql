-- A child's CHECK its own and inherited (declared on the child too, merged with its parent's), which the desired
-- side has inherited only: PostgreSQL refuses the child's DROP ("cannot drop inherited constraint") and has no
-- statement that makes it inherited only, so it is kept and said; it checks the same rows. (A partition's is
-- never its own: PostgreSQL merges it as inherited only.) The way back declares it on the child: ADD
-- CONSTRAINT merges it with the parent's.
create table p (id int, v int, constraint p_v_pos check (v > 0));
create table d () inherits (p);
alter table d add constraint p_v_pos check (v > 0);
