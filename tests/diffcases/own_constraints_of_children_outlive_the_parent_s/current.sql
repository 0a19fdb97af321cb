-- A child's own CHECK or NOT NULL merged with its parent's (conislocal), one only inherited, one named as the
-- parent's: the parent's dropped, a child keeps its own (chi, chi2, chi4, pt1), and one whose desired side has
-- it as its own gets it again after the parent's drop (chi3, pt3: theirs went with it). Back: the parent's
-- added, a child's own of another name is dropped first, so the parent's reaches it inherited only, under the
-- parent's name (chi3, pt3), not merged with it under the child's.
create table par (id int, a int constraint par_a not null, b int constraint par_b not null,
                  constraint par_check check (a > 0), constraint par_check2 check (b > 0));
create table chi (id int, a int constraint chi_own not null, constraint par_check check (a > 0)) inherits (par);
create table chi2 (a int not null) inherits (par);
create table sib () inherits (par);
create table pt (id int, k int constraint pt_k not null, constraint pt_check check (k > 0)) partition by list (id);
create table pt1 partition of pt (constraint pt1_own not null k) for values in (1);
create table pt2 partition of pt for values in (2);
create table chi3 () inherits (par);
create table chi4 (a int constraint par_a not null) inherits (par);
create table pt3 partition of pt for values in (3);
