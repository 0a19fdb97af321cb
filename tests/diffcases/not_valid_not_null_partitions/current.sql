-- A NOT VALID NOT NULL on a partitioned or inheritance parent reaches its children NOT VALID; each child can
-- be validated alone (a big partitioned table's NOT NULL proved partition by partition, the parent last), and
-- a child created after the parent's add takes it valid. Forward: added to a tree whose partition p1 is then
-- validated, added to an inheritance parent and its child, a new tree whose partitions differ by when they
-- were made. Back: all dropped again (DROP NOT NULL on the parent reaches the children).
create table p (id int, c int) partition by range (id);
create table p1 partition of p for values from (0) to (10);
create table p2 partition of p for values from (10) to (20);
create table par (id int, c int);
create table chi () inherits (par);
