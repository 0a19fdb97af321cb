create table p (id int, v int, constraint p_v_pos check (v > 0));
create table d () inherits (p);
